"""The canary's decision, fed by the real request path: a release whose handler answers 500 is
rolled back, a good one is promoted, and the old version's failures do not count against the new
one (issue 30, defect 7). The alarm logic is CloudWatch's as the template declares it (statistic,
threshold, comparison, periods, missing data); CodeDeploy itself cannot run here, so "rolled back"
is: an alarm of the function's deployment group is in ALARM and the group rolls back on
DEPLOYMENT_STOP_ON_ALARM."""

from __future__ import annotations

import ast
import hashlib
import json
import uuid

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
