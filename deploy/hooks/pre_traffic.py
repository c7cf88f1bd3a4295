"""CodeDeploy pre-traffic hook, inlined by deploy/plugins/canary.js (without comment lines,
docstrings, blank lines and most indentation, the code must fit CloudFormation's 4,096
characters). Succeeded only if each new version answers a health event: no crash, status below
500. An HTTP function's event is a request to its first route with a probe user's signed token."""

import base64
import hashlib
import hmac
import json
import os
import re
import time
import uuid

import boto3

codedeploy = boto3.client("codedeploy")
lambda_client = boto3.client("lambda")
ssm = boto3.client("ssm")
PROBE = "pre-traffic-probe"


def targets(deployment):
    """(function name, target version) of each function in the AppSpec, JSON or YAML."""
    spec = deployment["revision"]["appSpecContent"]["content"]
    names = re.findall(r"\bName[\"']?\s*:\s*[\"']?([\w.:-]+)", spec)
    versions = re.findall(r"\bTargetVersion[\"']?\s*:\s*[\"']?(\w+)", spec)
    return list(zip(names, versions, strict=True))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token():
    """A bearer token as src/shop/tokens.py issue() signs one (HS256, the same claims and key
    id), with the functions' current JWT secret, for the probe user. No account has its id
    (user ids are uuid4s): the edge verifies the token, reads the user item, finds none and
    answers 401, so the probe reaches the secret (SSM, the stack key) and the table, and writes
    nothing. A customer's: an admin claim is refused by that same read, so it would prove no
    more. Valid 60 s, the shortest JWT_TTL_SECONDS the functions accept."""
    secret = ssm.get_parameter(Name=os.environ["JWT_SECRET_PARAMETER"], WithDecryption=True)
    secret = secret["Parameter"]["Value"].encode()
    now = int(time.time())
    claims = {
        "sub": PROBE,
        "email": PROBE + "@invalid",
        "role": "customer",
        "iat": now,
        "exp": now + 60,
        # src/shop/config.py's defaults, unless serverless.yml sets them (canary.js passes them on)
        "iss": os.environ.get("JWT_ISSUER", "shop-api"),
        "aud": os.environ.get("JWT_AUDIENCE", "shop-api-clients"),
        "jti": str(uuid.uuid4()),
        "sv": 0,
    }
    header = {"alg": "HS256", "typ": "JWT", "kid": hashlib.sha256(b"kid:" + secret).hexdigest()[:16]}
    signed = ".".join(b64(json.dumps(part).encode()) for part in (header, claims))
    return signed + "." + b64(hmac.new(secret, signed.encode(), hashlib.sha256).digest())


def http_event(method, path):
    """A proxy request with the probe's token and no body: a read, or a write refused at the
    token's user (only the edge's authentication reads Authorization, and only on a route that
    needs it: a public route ignores it, as it does from a signed-in storefront)."""
    params = {p.strip("{}+"): PROBE for p in path.split("/") if p.startswith("{")}
    concrete = "/".join(PROBE if p.startswith("{") else p for p in path.split("/"))
    headers = {"User-Agent": "canary-pre-traffic-hook", "Authorization": "Bearer " + token()}
    return {
        "resource": path,
        "path": concrete,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "requestId": PROBE,
            "httpMethod": method,
            "resourcePath": path,
            "path": concrete,
            "stage": "canary",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers["User-Agent"]},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def check(name, version, probe):
    """None when the version is healthy, else why not."""
    if "method" in probe or "event" in probe:
        event = probe.get("event") or http_event(probe["method"], probe["path"])
        answer = lambda_client.invoke(FunctionName=name, Qualifier=version, Payload=json.dumps(event).encode())
        payload = answer["Payload"].read()
        if answer.get("FunctionError"):
            return f"{name}:{version} failed: {payload[:300]!r}"
        if "method" in probe:
            status = json.loads(payload).get("statusCode", 500)
            if not isinstance(status, int) or status >= 500:
                return f"{name}:{version} answered {status}"
        return None
    config = lambda_client.get_function_configuration(FunctionName=name, Qualifier=version)
    if config.get("State") != "Active":
        return f"{name}:{version} is {config.get('State')}"
    return None


def handler(event, context):
    probes = json.loads(os.environ["PROBES"])
    prefix = os.environ["FUNCTION_PREFIX"]
    failures = []
    try:
        deployment = codedeploy.get_deployment(deploymentId=event["DeploymentId"])["deploymentInfo"]
        found = targets(deployment)
        if not found:
            failures.append("the deployment names no function")
        for name, version in found:
            probe = probes.get(name.removeprefix(prefix))
            if probe is None:
                failures.append(f"{name} is not a function of this stack")
                continue
            problem = check(name, version, probe)
            if problem:
                failures.append(problem)
    # any failure (the secret unreadable too) must fail the deployment, not leave it waiting
    except Exception as error:
        failures.append(f"hook error: {type(error).__name__}: {error}")
    status = "Failed" if failures else "Succeeded"
    print(json.dumps({"deployment": event.get("DeploymentId"), "status": status, "failures": failures}))
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return {"status": status, "failures": failures}
