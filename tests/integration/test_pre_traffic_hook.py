"""The canary's pre-traffic hook (deploy/hooks/pre_traffic.py) against the real handlers.

CodeDeploy and Lambda's Invoke are stood in for by small fakes (moto runs no function code):
the fake Invoke calls the function's real handler from serverless.yml in this process, on a
moto table, with the very event the hook builds. The hook signs its probe token with the JWT
secret it reads from (moto's) SSM, the parameter the functions read theirs from. So every
function, including ones added later, is proven to answer the hook's health event below 500
without a durable write; a function whose first route needs a token is proven to verify the
probe's token and read the table (the probe user's item) before it answers; and the hook is
proven to fail a deployment whose new version crashes or answers 5xx.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
from pathlib import Path

import pytest

from devtools import serverless_config
from devtools.request_costs import counting
from tests.integration.test_ssm_failures import secret_in_ssm

__all__ = ["secret_in_ssm"]  # a fixture: the JWT secret as deployed, in moto's SSM

HOOK = Path(__file__).resolve().parents[2] / "deploy" / "hooks" / "pre_traffic.py"
PREFIX = "shop-api-test-"
PROBE_USER = "pre-traffic-probe"  # no account has this id (user ids are UUIDs)


def expected_probes() -> dict[str, dict]:
    """What deploy/plugins/canary.js puts in the hook's PROBES (tests/deploy/test_canary.py
    checks the generated template against this)."""
    config = serverless_config.load()
    fallback = serverless_config.fallback_function(config)
    probes = {}
    for name, function in config["functions"].items():
        declared = (function.get("canary") or {}).get("healthEvent")
        if declared:
            probes[name] = {"event": declared}
            continue
        routes = [e["http"] for e in function.get("events") or [] if isinstance(e.get("http"), dict)]
        if name == fallback:
            routes = [{"method": "any", "path": path} for path in serverless_config.route_methods(config)]
        if not routes:
            probes[name] = {}
            continue
        method = routes[0]["method"].upper()
        probes[name] = {"method": "OPTIONS" if method == "ANY" else method, "path": "/" + routes[0]["path"].strip("/")}
    return probes


class FakeCodeDeploy:
    def __init__(self, functions: dict[str, str], fail: Exception | None = None, yaml: bool = False):
        self.functions, self.fail, self.yaml, self.reported = functions, fail, yaml, []

    def get_deployment(self, **call):  # boto3's keyword names
        if self.fail:
            raise self.fail
        resources = [
            {name: {"Type": "AWS::Lambda::Function", "Properties": {"Name": name, "Alias": "live", "TargetVersion": v}}}
            for name, v in self.functions.items()
        ]
        content = json.dumps({"version": 0.0, "Resources": resources})
        if self.yaml:  # the other AppSpec format
            content = "version: 0.0\nResources:\n" + "".join(
                f"  - {name}:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: {name}\n"
                f"        Alias: live\n        CurrentVersion: '1'\n        TargetVersion: '{v}'\n"
                for name, v in self.functions.items()
            )
        revision = {"appSpecContent": {"content": content}}
        return {"deploymentInfo": {"deploymentId": call["deploymentId"], "revision": revision}}

    def put_lifecycle_event_hook_execution_status(self, **kwargs):
        self.reported.append(kwargs)


def real_handler(name: str):
    module, _, attribute = serverless_config.load()["functions"][name]["handler"].rpartition(".")
    return getattr(importlib.import_module(module.removeprefix("src/").replace("/", ".")), attribute)


def needs_token(name: str) -> bool:
    """Whether the function's first route (the hook's probe) authenticates its caller: the auth
    its handler declares (@endpoint(auth=...))."""
    operation = getattr(real_handler(name), "operation", None)
    return operation is not None and operation.auth is not None


class FakeLambda:
    """Invoke runs the function's real handler (as that function, under `make test-iam`);
    `override` replaces a handler's answer."""

    def __init__(self, override=None, state="Active"):
        self.calls, self.answers, self.override, self.state = [], [], override or {}, state

    def invoke(self, **call):
        from tests import iam

        name = call["FunctionName"].removeprefix(PREFIX)
        event = json.loads(call["Payload"])
        self.calls.append((name, call["Qualifier"], event))
        handler = self.override.get(name)
        try:
            if handler is None:
                with iam.acting_as(name):
                    answer = real_handler(name)(event, None)
            else:
                answer = handler(event, None)
        except Exception as error:  # what Lambda reports for an unhandled exception
            body = json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)})
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(body.encode())}
        self.answers.append(answer)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}

    def get_function_configuration(self, **call):
        self.calls.append((call["FunctionName"].removeprefix(PREFIX), call["Qualifier"], None))
        return {"State": self.state}


@pytest.fixture
def hook(monkeypatch, secret_in_ssm):
    # The JWT secret as deployed (a SecureString in moto's SSM), which the hook and the functions read.
    import boto3

    from tests import iam

    monkeypatch.setenv("PROBES", json.dumps(expected_probes()))
    monkeypatch.setenv("FUNCTION_PREFIX", PREFIX)
    spec = importlib.util.spec_from_file_location("pre_traffic_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The hook is deployment tooling, not a function of serverless.yml: its reads are the harness's.
    module.ssm = boto3.client("ssm", region_name="us-east-1", **iam.harness_credentials())
    return module


def run(hook, codedeploy, lambda_client):
    hook.codedeploy, hook.lambda_client = codedeploy, lambda_client
    result = hook.handler({"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "hook-1"}, None)
    (reported,) = codedeploy.reported  # always exactly one report, whatever happened
    assert reported == {"deploymentId": "d-1", "lifecycleEventHookExecutionId": "hook-1", "status": result["status"]}
    return result


@pytest.fixture
def search_bucket():
    """The stack's search index bucket, as deployed (the search functions read their index from it)."""
    import contextlib

    import boto3

    from shop.search import snapshots
    from tests.conftest import reset_shop_caches

    reset_shop_caches()
    snapshots.reset()
    s3 = boto3.client("s3", region_name="us-east-1")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket="shop-test-search")
    yield
    snapshots.reset()


@pytest.mark.parametrize("name", sorted(serverless_config.load()["functions"]))
def test_every_function_answers_the_health_event_below_500_and_leaves_nothing_durable(
    hook, table, ddb, search_bucket, name
):
    from shop import tokens
    from shop.storage import storage

    fake = FakeLambda()
    with counting(storage().client) as log:
        result = run(hook, FakeCodeDeploy({PREFIX + name: "7"}), fake)
    assert result == {"status": "Succeeded", "failures": []}
    probe = expected_probes()[name]
    if "method" in probe:
        ((called, version, event),) = fake.calls
        assert (called, version, event["httpMethod"], event["resource"]) == (name, "7", probe["method"], probe["path"])
        assert event["body"] is None
        # every HTTP probe carries the probe user's token, which the functions' own check accepts
        scheme, _, bearer = event["headers"]["Authorization"].partition(" ")
        assert scheme == "Bearer"
        assert tokens.verify(bearer) == tokens.Caller(PROBE_USER, f"{PROBE_USER}@invalid", "customer", 0)
        if needs_token(name):
            # Past the token: one read of the probe user's item (the edge's session check), which
            # finds none, so the answer is the 401 of an account that does not exist; no write.
            (answer,) = fake.answers
            assert answer["statusCode"] == 401, answer
            assert json.loads(answer["body"])["error"] == "The account no longer exists"
            (read,) = log.calls
            assert read.operation == "GetItem" and read.params["Key"] == {
                "id": {"S": PROBE_USER},
                "type": {"S": "user"},
            }
    # Nothing durable: at most login's per-address attempt counter, which expires on its own.
    for item in ddb.scan(TableName=table, ConsistentRead=True)["Items"]:
        assert "expiresAt" in item, item


def _http_function() -> str:
    return next(name for name, probe in expected_probes().items() if "method" in probe)


def test_a_new_version_that_crashes_fails_the_deployment(hook, table):
    name = _http_function()

    def crash(event, context):
        raise ImportError("No module named 'stripe'")

    result = run(hook, FakeCodeDeploy({PREFIX + name: "8"}), FakeLambda({name: crash}))
    assert result["status"] == "Failed"
    assert f"{PREFIX}{name}:8 failed" in result["failures"][0] and "stripe" in result["failures"][0]


def test_a_new_version_that_answers_5xx_fails_the_deployment(hook, table):
    name = _http_function()
    answer = {"statusCode": 500, "body": json.dumps({"success": False, "code": "INTERNAL_ERROR"})}
    result = run(hook, FakeCodeDeploy({PREFIX + name: "9"}), FakeLambda({name: lambda e, c: answer}))
    assert result == {"status": "Failed", "failures": [f"{PREFIX}{name}:9 answered 500"]}


def test_a_function_without_routes_must_be_active(hook, monkeypatch):
    monkeypatch.setenv("PROBES", json.dumps({"worker": {}}))
    assert run(hook, FakeCodeDeploy({PREFIX + "worker": "3"}), FakeLambda(state="Active"))["status"] == "Succeeded"
    result = run(hook, FakeCodeDeploy({PREFIX + "worker": "3"}), FakeLambda(state="Failed"))
    assert result == {"status": "Failed", "failures": [f"{PREFIX}worker:3 is Failed"]}


def test_a_declared_health_event_is_sent_as_declared(hook, monkeypatch):
    monkeypatch.setenv("PROBES", json.dumps({"worker": {"event": {"Records": []}}}))
    fake = FakeLambda({"worker": lambda event, context: None})
    assert run(hook, FakeCodeDeploy({PREFIX + "worker": "4"}), fake)["status"] == "Succeeded"
    assert fake.calls == [("worker", "4", {"Records": []})]


def test_unknown_functions_and_codedeploy_errors_fail_but_are_still_reported(hook):
    result = run(hook, FakeCodeDeploy({"someone-elses-function": "1"}), FakeLambda())
    assert result == {"status": "Failed", "failures": ["someone-elses-function is not a function of this stack"]}
    result = run(hook, FakeCodeDeploy({}, fail=RuntimeError("throttled")), FakeLambda())
    assert result == {"status": "Failed", "failures": ["hook error: RuntimeError: throttled"]}
    assert run(hook, FakeCodeDeploy({}), FakeLambda())["status"] == "Failed"  # names no function


def test_a_yaml_appspec_names_the_same_function_and_version(hook, table):
    name = _http_function()
    fake = FakeLambda()
    result = run(hook, FakeCodeDeploy({PREFIX + name: "12"}, yaml=True), fake)
    assert result["status"] == "Succeeded"
    assert [(called, version) for called, version, _ in fake.calls] == [(name, "12")]


def _public_http_functions() -> list[str]:
    return sorted(name for name, probe in expected_probes().items() if "method" in probe and not needs_token(name))


def _signed_in_functions() -> list[str]:
    return sorted(name for name, probe in expected_probes().items() if "method" in probe and needs_token(name))


def test_the_probe_token_is_signed_as_the_functions_sign_theirs(hook, monkeypatch):
    """The claims, header and key id of src/shop/tokens.py issue(), with the issuer and audience
    the functions verify (config's defaults, or JWT_ISSUER/JWT_AUDIENCE when set), for the
    probe user, a customer, for 60 s: the shortest lifetime JWT_TTL_SECONDS allows."""
    import jwt

    from shop import config, tokens
    from tests.conftest import TEST_SECRET

    issued = tokens.issue("someone", "someone@example.com", "customer")
    assert hook.http_event("GET", "/me")["headers"]["Authorization"].startswith("Bearer ")
    for issuer, audience in ((None, None), ("shop-api-staging", "storefront")):
        for name, value in (("JWT_ISSUER", issuer), ("JWT_AUDIENCE", audience)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        config.reset()
        probe = hook.token()
        settings = config.settings()
        assert jwt.get_unverified_header(probe) == jwt.get_unverified_header(issued)
        assert jwt.get_unverified_header(probe)["kid"] == tokens.key_id(TEST_SECRET)
        claims = jwt.decode(probe, options={"verify_signature": False})
        assert set(claims) == set(jwt.decode(issued, options={"verify_signature": False}))
        assert (claims["iss"], claims["aud"]) == (settings.jwt_issuer, settings.jwt_audience)
        assert claims["exp"] - claims["iat"] == 60 and claims["sv"] == 0
        assert tokens.verify(probe) == tokens.Caller(PROBE_USER, f"{PROBE_USER}@invalid", "customer", 0)
        issued = tokens.issue("someone", "someone@example.com", "customer")
    assert hook.token() != hook.token()  # a new jti each


@pytest.mark.parametrize("name", _public_http_functions())
def test_a_public_route_answers_the_probe_as_it_answers_without_a_token(hook, table, search_bucket, name):
    """Why every HTTP probe carries the token: only the edge's authentication reads
    Authorization, and only for a route that declares auth; a public route ignores it."""
    from shop.storage import storage

    probe = expected_probes()[name]
    event = hook.http_event(probe["method"], probe["path"])
    without = {**event, "headers": {"User-Agent": event["headers"]["User-Agent"]}}
    without["multiValueHeaders"] = {k: [v] for k, v in without["headers"].items()}
    answers = []
    for sent in (without, event):
        with counting(storage().client) as log:
            answer = real_handler(name)(sent, None)
        body = json.loads(answer["body"]) if answer.get("body") else {}
        answers.append((answer["statusCode"], body.get("code"), log.operations))
    assert answers[0] == answers[1]


def test_a_signed_in_route_whose_table_read_fails_fails_the_deployment(hook, monkeypatch):
    """Defect class: without a token the probe was answered 401 before the function touched its
    table, so a version that cannot read it (a wrong table name, a role without GetItem) passed."""
    from tests.conftest import reset_shop_caches

    name = _signed_in_functions()[0]
    monkeypatch.setenv("TABLE_NAME", "shop-test-no-such-table")
    reset_shop_caches()
    fake = FakeLambda()
    result = run(hook, FakeCodeDeploy({PREFIX + name: "13"}), fake)
    (answer,) = fake.answers
    assert answer["statusCode"] >= 500
    assert result == {"status": "Failed", "failures": [f"{PREFIX}{name}:13 answered {answer['statusCode']}"]}


def test_an_unreadable_signing_secret_fails_the_deployment_before_any_invocation(hook, monkeypatch):
    name = _signed_in_functions()[0]
    monkeypatch.setenv("JWT_SECRET_PARAMETER", "/shop-test/no-such-secret")
    fake = FakeLambda()
    result = run(hook, FakeCodeDeploy({PREFIX + name: "14"}), fake)
    assert result["status"] == "Failed" and fake.calls == []
    (failure,) = result["failures"]
    assert failure.startswith("hook error: ParameterNotFound"), failure
