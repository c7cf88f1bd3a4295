"""CodeDeploy pre-traffic hook, inlined by deploy/plugins/canary.js (4 KB at most).
Succeeded only if each new version answers a health event: no crash, status below 500."""

import json
import os
import re

import boto3

codedeploy = boto3.client("codedeploy")
lambda_client = boto3.client("lambda")


def targets(deployment):
    """(function name, target version) of each function in the AppSpec, JSON or YAML."""
    spec = deployment["revision"]["appSpecContent"]["content"]
    names = re.findall(r"\bName[\"']?\s*:\s*[\"']?([\w.:-]+)", spec)
    versions = re.findall(r"\bTargetVersion[\"']?\s*:\s*[\"']?(\w+)", spec)
    return list(zip(names, versions, strict=True))


def http_event(method, path):
    """A proxy request without credentials or body: refused before any write."""
    params = {p.strip("{}+"): "pre-traffic-probe" for p in path.split("/") if p.startswith("{")}
    concrete = "/".join("pre-traffic-probe" if p.startswith("{") else p for p in path.split("/"))
    headers = {"User-Agent": "canary-pre-traffic-hook"}
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
            "requestId": "pre-traffic-probe",
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
    except Exception as error:  # any failure must fail the deployment, not leave it waiting
        failures.append(f"hook error: {type(error).__name__}: {error}")
    status = "Failed" if failures else "Succeeded"
    print(json.dumps({"deployment": event.get("DeploymentId"), "status": status, "failures": failures}))
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return {"status": status, "failures": failures}
