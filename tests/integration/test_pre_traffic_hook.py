"""The canary's pre-traffic hook (deploy/hooks/pre_traffic.py) against the real handlers.

CodeDeploy and Lambda's Invoke are stood in for by small fakes (moto runs no function code):
the fake Invoke calls the function's real handler from serverless.yml in this process, on a
moto table, with the very event the hook builds. So every function, including ones added
later, is proven to answer the hook's health event below 500 without a durable write, and
the hook is proven to fail a deployment whose new version crashes or answers 5xx.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
from pathlib import Path

import pytest

from devtools import serverless_config

HOOK = Path(__file__).resolve().parents[2] / "deploy" / "hooks" / "pre_traffic.py"
PREFIX = "shop-api-test-"


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


class FakeLambda:
    """Invoke runs the function's real handler; `override` replaces a handler's answer."""

    def __init__(self, override=None, state="Active"):
        self.calls, self.override, self.state = [], override or {}, state

    def invoke(self, **call):
        name = call["FunctionName"].removeprefix(PREFIX)
        event = json.loads(call["Payload"])
        self.calls.append((name, call["Qualifier"], event))
        handler = self.override.get(name)
        if handler is None:
            module, _, attribute = serverless_config.load()["functions"][name]["handler"].rpartition(".")
            handler = getattr(importlib.import_module(module.removeprefix("src/").replace("/", ".")), attribute)
        try:
            answer = handler(event, None)
        except Exception as error:  # what Lambda reports for an unhandled exception
            body = json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)})
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(body.encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}

    def get_function_configuration(self, **call):
        self.calls.append((call["FunctionName"].removeprefix(PREFIX), call["Qualifier"], None))
        return {"State": self.state}


@pytest.fixture
def hook(monkeypatch):
    monkeypatch.setenv("PROBES", json.dumps(expected_probes()))
    monkeypatch.setenv("FUNCTION_PREFIX", PREFIX)
    spec = importlib.util.spec_from_file_location("pre_traffic_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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
    fake = FakeLambda()
    result = run(hook, FakeCodeDeploy({PREFIX + name: "7"}), fake)
    assert result == {"status": "Succeeded", "failures": []}
    probe = expected_probes()[name]
    if "method" in probe:
        ((called, version, event),) = fake.calls
        assert (called, version, event["httpMethod"], event["resource"]) == (name, "7", probe["method"], probe["path"])
        assert "Authorization" not in event["headers"] and event["body"] is None
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
