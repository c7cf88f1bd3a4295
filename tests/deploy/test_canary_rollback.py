"""The canary's decision, fed by the real request path: a release whose handler answers 500 is
rolled back, a good one is promoted, and the old version's failures do not count against the new
one (issue 30, defect 7). The alarm logic is CloudWatch's as the template declares it (statistic,
threshold, comparison, periods, missing data); CodeDeploy itself cannot run here, so "rolled back"
is: an alarm of the function's deployment group is in ALARM and the group rolls back on
DEPLOYMENT_STOP_ON_ALARM."""

from __future__ import annotations

import ast
import json
import uuid

import pytest

from devtools.local_server import LambdaContext
from tests.apigw import invoke, timeout_of

FUNCTION = "listProducts"
OLD, NEW = "6", "7"
COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
}


def _function_id(template: dict) -> str:
    (key,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["FunctionName"].endswith(f"-{FUNCTION}")
    ]
    return key


def _group(template: dict) -> dict:
    function_id = _function_id(template)
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


def _decision(template: dict, emitted: str, version: str) -> str:
    group = _group(template)
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    alarms = [template["Resources"][a["Name"]["Ref"]]["Properties"] for a in group["AlarmConfiguration"]["Alarms"]]
    per_version = [
        a
        for a in alarms
        if any(m["MetricStat"]["Metric"]["MetricName"] == "Http5xx" for m in a.get("Metrics", []) if "MetricStat" in m)
    ]
    assert per_version, "the group watches no per-version 5xx alarm"
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
