"""The canary's decision, fed by the real request path: a release whose handler answers 500 is
rolled back, a good one is promoted, and the old version's failures do not count against the new
one (issue 30, defect 7). The alarm logic is CloudWatch's as the template declares it (statistic,
threshold, comparison, periods, missing data); CodeDeploy itself cannot run here, so "rolled back"
is: an alarm of the function's deployment group is in ALARM and the group rolls back on
DEPLOYMENT_STOP_ON_ALARM."""

from __future__ import annotations

import ast
import datetime
import hashlib
import json
import uuid
from pathlib import Path

import pytest

from devtools.local_server import LambdaContext
from tests.apigw import invoke, invoke_function, timeout_of

FUNCTION = "listProducts"
OLD, NEW = "6", "7"
COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
}


def _function_id(template: dict, function: str = FUNCTION) -> str:
    (key,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["FunctionName"].endswith(f"-{function}")
    ]
    return key


def _group(template: dict, function: str = FUNCTION) -> dict:
    function_id = _function_id(template, function)
    (alias,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Alias" and r["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    group_id = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"]["Ref"]
    return template["Resources"][group_id]["Properties"]


def _resolve(value, template: dict, version: str):
    """A dimension value as CloudFormation fills it in for the deployment that publishes `version`."""
    if isinstance(value, dict) and "Ref" in value:
        return template["Resources"][value["Ref"]]["Properties"]["FunctionName"]
    if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Version":
        return version
    return value


def _datapoints(emitted: str, namespace: str, metric: str) -> dict[tuple, float]:
    """EMF lines as CloudWatch turns them into metrics: a sum per metric and dimension set."""
    sums: dict[tuple, float] = {}
    for line in emitted.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        document = json.loads(line)
        for declared in document["_aws"]["CloudWatchMetrics"]:
            if declared["Namespace"] != namespace or metric not in {m["Name"] for m in declared["Metrics"]}:
                continue
            for dimension_set in declared["Dimensions"]:
                key = tuple(sorted((name, document[name]) for name in dimension_set))
                sums[key] = sums.get(key, 0.0) + sum(document[metric])
    return sums


def _datapoint(metric: dict, template: dict, emitted: str, version: str) -> float | None:
    """One MetricStat's value over the canary period: its EMF sum, or None (no data)."""
    stat, watched = metric["MetricStat"], metric["MetricStat"]["Metric"]
    wanted = tuple(sorted((d["Name"], _resolve(d["Value"], template, version)) for d in watched["Dimensions"]))
    if watched["Namespace"] != "ShopApi":
        # Lambda's own metrics (Errors, Duration): the handler here returns (the edge answers 500),
        # so Lambda would count no error; its duration is not what these releases differ in.
        return 0.0 if watched["MetricName"] == "Errors" else None
    assert stat["Stat"] == "Sum"
    return _datapoints(emitted, watched["Namespace"], watched["MetricName"]).get(wanted)


def _evaluate(expression: str, values: dict[str, float | None]) -> float | None:
    """CloudWatch metric math, the part the canary alarms use: FILL, IF, +, >, numbers, ids."""

    def walk(node: ast.AST) -> float | None:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = walk(node.left), walk(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Gt):
            left, right = walk(node.left), walk(node.comparators[0])
            return None if left is None or right is None else float(left > right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"FILL", "IF"}:
            args = [walk(a) for a in node.args]
            if node.func.id == "FILL":
                return args[1] if args[0] is None else args[0]
            return None if args[0] is None else (args[1] if args[0] else args[2])
        raise AssertionError(f"metric math this test does not know: {ast.dump(node)}")

    return walk(ast.parse(expression, mode="eval"))


def _state(alarm: dict, template: dict, emitted: str, version: str) -> str:
    """CloudWatch's evaluation of a metric-math alarm over one canary period: ALARM, or OK
    (missing data: notBreaching)."""
    assert alarm["EvaluationPeriods"] == 1
    values = {m["Id"]: _datapoint(m, template, emitted, version) for m in alarm["Metrics"] if "MetricStat" in m}
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    value = _evaluate(returned["Expression"], values)
    if value is None:
        assert alarm["TreatMissingData"] == "notBreaching"
        return "OK"
    return "ALARM" if COMPARE[alarm["ComparisonOperator"]](value, alarm["Threshold"]) else "OK"


def _release(template: dict, version: str, monkeypatch, broken: bool, requests: int = 5) -> None:
    name = template["Resources"][_function_id(template)]["Properties"]["FunctionName"]
    if broken:
        from shop.storage.products import DynamoProducts

        def broken_release(self, *args, **kwargs):
            raise TypeError("the new release's bug")

        monkeypatch.setattr(DynamoProducts, "list_page", broken_release)
    for _ in range(requests):
        context = LambdaContext(name, str(uuid.uuid4()), timeout_s=timeout_of(FUNCTION))
        context.function_version = version
        status = invoke("GET", "/products", context=context).status
        assert (status == 500) is broken


def _decision(template: dict, emitted: str, version: str, function: str = FUNCTION, metric: str = "Http5xx") -> str:
    group = _group(template, function)
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    alarms = [template["Resources"][a["Name"]["Ref"]]["Properties"] for a in group["AlarmConfiguration"]["Alarms"]]
    per_version = [
        a
        for a in alarms
        if any(m["MetricStat"]["Metric"]["MetricName"] == metric for m in a.get("Metrics", []) if "MetricStat" in m)
    ]
    assert per_version, f"the group watches no per-version {metric} alarm"
    return "rolled back" if any(_state(a, template, emitted, version) == "ALARM" for a in per_version) else "promoted"


@pytest.mark.parametrize(("broken", "decision"), [(True, "rolled back"), (False, "promoted")])
def test_a_release_whose_handler_answers_500_is_rolled_back_and_a_good_one_promoted(
    template, table, monkeypatch, capsys, broken, decision
):
    capsys.readouterr()
    _release(template, NEW, monkeypatch, broken)
    assert _decision(template, capsys.readouterr().out, NEW) == decision


def test_the_old_versions_500s_do_not_count_against_the_new_version(template, table, monkeypatch, capsys):
    capsys.readouterr()
    _release(template, OLD, monkeypatch, broken=True)
    monkeypatch.undo()
    _release(template, NEW, monkeypatch, broken=False)
    assert _decision(template, capsys.readouterr().out, NEW) == "promoted"


BATCH_FUNCTION = "notifyCustomers"  # a queue function: a failed message is a partial batch failure


def _order_emails(count: int) -> dict:
    """An SQS event of order emails whose customer is gone: a good release answers each with
    "no-recipient" (nothing to send), a broken one fails every record."""
    records = []
    for _ in range(count):
        body = json.dumps(
            {
                "eventId": uuid.uuid4().hex,
                "type": "order.paid",
                "version": 1,
                "occurredAt": "2026-12-01T10:00:00Z",
                "order": {"id": str(uuid.uuid4()), "userId": str(uuid.uuid4()), "status": "paid", "items": []},
            }
        )
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:order-emails",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def _batch_release(template: dict, version: str, monkeypatch, broken: bool) -> None:
    name = template["Resources"][_function_id(template, BATCH_FUNCTION)]["Properties"]["FunctionName"]
    monkeypatch.setenv("SES_SENDER_ADDRESS", "orders@shop.example")
    if broken:
        from shop.storage.users import DynamoUsers

        def broken_release(self, *args, **kwargs):
            raise TypeError("the new release's bug")

        monkeypatch.setattr(DynamoUsers, "get", broken_release)
    event = _order_emails(3)
    context = LambdaContext(name, str(uuid.uuid4()), timeout_s=timeout_of(BATCH_FUNCTION))
    context.function_version = version
    answer = invoke_function(BATCH_FUNCTION, event, context)
    failed = [f["itemIdentifier"] for f in answer["batchItemFailures"]]
    assert failed == ([r["messageId"] for r in event["Records"]] if broken else [])  # it returned, never raised


@pytest.mark.parametrize(("broken", "decision"), [(True, "rolled back"), (False, "promoted")])
def test_a_queue_release_that_fails_every_record_is_rolled_back_and_a_good_one_promoted(
    template, table, monkeypatch, capsys, broken, decision
):
    """Partial batch failures never raise, so Lambda's Errors stay 0: the function's own
    FailedRecords count (src/shop/batch_metrics.py) is what its canary alarm sees."""
    capsys.readouterr()
    _batch_release(template, NEW, monkeypatch, broken)
    emitted = capsys.readouterr().out
    assert _decision(template, emitted, NEW, BATCH_FUNCTION, "FailedRecords") == decision
    # and the old version's failures are not the new version's
    assert _decision(template, emitted, OLD, BATCH_FUNCTION, "FailedRecords") == "promoted"


POST_HOOK = Path(__file__).resolve().parents[2] / "deploy" / "hooks" / "post_traffic.py"


class _Deployment:
    """CodeDeploy's side of the post-traffic hook (CodeDeploy cannot run here): the deployment
    of one function's new version, begun `begun`, and the status the hook reports."""

    def __init__(self, name: str, version: str, begun: datetime.datetime):
        self.name, self.version, self.begun, self.reported = name, version, begun, []

    def get_deployment(self, **call):
        target = {"Name": self.name, "Alias": "live", "TargetVersion": self.version}
        content = json.dumps(
            {"version": 0.0, "Resources": [{"fn": {"Type": "AWS::Lambda::Function", "Properties": target}}]}
        )
        revision = {"appSpecContent": {"content": content}}
        return {
            "deploymentInfo": {"deploymentId": call["deploymentId"], "revision": revision, "createTime": self.begun}
        }

    def put_lifecycle_event_hook_execution_status(self, **kwargs):
        self.reported.append(kwargs["status"])


def _post_traffic_hook(template: dict, monkeypatch):
    """deploy/hooks/post_traffic.py as the generated template inlines it (deploy/plugins/canary.js
    drops comments, docstrings and most indentation), with the environment it gives it."""
    import types

    from tests.unit.test_canary_plugin import _without_docstrings

    (hook,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["FunctionName"].endswith("-postTrafficHook")
    ]
    code = hook["Code"]["ZipFile"]
    assert ast.dump(ast.parse(code)) == _without_docstrings(ast.parse(POST_HOOK.read_text()))
    for key, value in hook["Environment"]["Variables"].items():
        monkeypatch.setenv(key, value)
    module = types.ModuleType("post_traffic_hook")
    exec(compile(code, "index.py", "exec"), module.__dict__)  # noqa: S102 - the template's own hook code, run as Lambda would
    return module


def _lambda_publishes_invocations(name: str, version: str, count: int, at: datetime.datetime) -> None:
    """What Lambda publishes for `count` invocations through the alias (by alias and executed
    version) during the canary: the one part of the canary's data this process cannot produce."""
    import boto3

    if count:
        boto3.client("cloudwatch", region_name="us-east-1").put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Dimensions": [
                        {"Name": "FunctionName", "Value": name},
                        {"Name": "Resource", "Value": f"{name}:live"},
                        {"Name": "ExecutedVersion", "Value": version},
                    ],
                    "Value": count,
                    "Unit": "Count",
                    "Timestamp": at,
                }
            ],
        )


@pytest.mark.parametrize(("requests", "decision"), [(0, "rolled back"), (3, "promoted")])
def test_a_version_that_served_no_requests_in_its_canary_is_not_promoted(
    template, table, monkeypatch, capsys, requests, decision
):
    """With notBreaching, an alarm on a version nobody called stays OK: the post-traffic hook's
    minimum-traffic rule is what refuses to promote it (the prod stage's minimum for an HTTP
    function, from the generated template)."""
    import boto3

    hook = _post_traffic_hook(template, monkeypatch)
    minimum = json.loads(hook.os.environ["MIN_REQUESTS"])[FUNCTION]
    assert minimum >= 1
    name = template["Resources"][_function_id(template)]["Properties"]["FunctionName"]
    version = str(uuid.uuid4().int % 10**6)  # a version no other test published metrics for
    begun = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=6)
    capsys.readouterr()
    _release(template, version, monkeypatch, broken=False, requests=requests)
    assert _decision(template, capsys.readouterr().out, version) == "promoted"  # the alarm alone would
    _lambda_publishes_invocations(name, version, requests, at=begun + datetime.timedelta(minutes=2))
    deployment = _Deployment(name, version, begun)
    hook.codedeploy, hook.cloudwatch = deployment, boto3.client("cloudwatch", region_name="us-east-1")
    result = hook.handler({"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "h-1"}, None)
    assert deployment.reported == [result["status"]]
    assert ("rolled back" if result["status"] == "Failed" else "promoted") == decision
    if requests < minimum:
        assert result["failures"] == [
            f"{name}:{version} served {requests} requests in its canary, fewer than {minimum}"
        ]
