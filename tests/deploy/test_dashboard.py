"""The stage's CloudWatch dashboard (deploy/plugins/dashboard.js) in the generated template:
every function of serverless.yml, including ones added after this test was written, every
dead-letter queue, and every business metric src/shop/metrics.py names."""

from __future__ import annotations

import json
import re

import pytest

from devtools import serverless_config
from shop import metrics as business_metrics
from tests.deploy.conftest import functions

NAMESPACE = "ShopApi"


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _body(template: dict) -> dict:
    """The dashboard's body with each ${...} of its Fn::Sub left as the name it stands for."""
    ((_, dashboard),) = _of_type(template, "AWS::CloudWatch::Dashboard").items()
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    for reference in set(re.findall(r"\$\{([^}]+)\}", text)):
        assert reference == "AWS::Region" or reference.split(".")[0] in template["Resources"], reference
    return json.loads(text)


def _graphs(template: dict) -> dict[str, list]:
    return {w["properties"]["title"]: w["properties"]["metrics"] for w in _body(template)["widgets"]}


def _function_ids(template: dict) -> dict[str, str]:
    """Function name in serverless.yml -> logical id of its AWS::Lambda::Function."""
    return {
        r["Properties"]["FunctionName"].rsplit("-", 1)[-1]: key
        for key, r in _of_type(template, "AWS::Lambda::Function").items()
    }


def _stats(metrics: list, namespace: str, name: str, dimension: str, value: str) -> set[str]:
    return {
        m[-1]["stat"]
        for m in metrics
        if isinstance(m[0], str) and m[:2] == [namespace, name] and m[2:4] == [dimension, value]
    }


def test_there_is_one_dashboard_named_for_the_stage(template):
    (dashboard,) = _of_type(template, "AWS::CloudWatch::Dashboard").values()
    stage = template["Resources"]["ApiGatewayRestApi"]["Properties"]["Name"].rsplit("-", 1)[-1]
    assert dashboard["Properties"]["DashboardName"] == f"{serverless_config.load()['service']}-{stage}"
    for widget in _body(template)["widgets"]:
        assert widget["properties"]["region"] == "${AWS::Region}"  # the stack's own region


def test_the_api_graphs_requests_4xx_5xx_and_latency_percentiles(template):
    api = template["Resources"]["ApiGatewayRestApi"]["Properties"]["Name"]
    graphs = _graphs(template)
    requests = graphs["API: requests, 4xx, 5xx"]
    for metric in ("Count", "4XXError", "5XXError"):
        assert _stats(requests, "AWS/ApiGateway", metric, "ApiName", api) == {"Sum"}, metric
    assert _stats(graphs["API: latency p50 / p95 (ms)"], "AWS/ApiGateway", "Latency", "ApiName", api) == {"p50", "p95"}


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_function_has_its_percentiles_errors_throttles_and_own_failures(template, name):
    function_id = _function_ids(template)[name]
    (metrics,) = [m for title, m in _graphs(template).items() if title.startswith(f"{name}: ")]
    by = f"${{{function_id}}}"
    assert _stats(metrics, "AWS/Lambda", "Duration", "FunctionName", by) == {"p50", "p95"}
    for metric in ("Invocations", "Errors", "Throttles"):
        assert _stats(metrics, "AWS/Lambda", metric, "FunctionName", by) == {"Sum"}, metric
    events = functions()[name].get("events") or []
    http = name == serverless_config.fallback_function() or any("http" in e for e in events)
    batch = any("sqs" in e or "stream" in e for e in events)
    own = "Http5xx" if http else "FailedRecords" if batch else None
    searches = [m[0]["expression"] for m in metrics if isinstance(m[0], dict)]
    if own is None:
        assert searches == []
    else:  # every version's count, as the canary alarm reads the new one's
        assert searches == [
            f"SEARCH('{{{NAMESPACE},function,version}} MetricName=\"{own}\" function=\"{by}\"', 'Sum', 60)"
        ]
    throttles = _graphs(template)["Throttles: every function and the table"]
    assert _stats(throttles, "AWS/Lambda", "Throttles", "FunctionName", by) == {"Sum"}


def test_every_dead_letter_queue_and_the_tables_throttles_are_graphed(template):
    resources = template["Resources"]
    expected = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in _of_type(template, "AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    }
    expected |= {
        m["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        for m in _of_type(template, "AWS::Lambda::EventSourceMapping").values()
        if "DestinationConfig" in m["Properties"]
    }
    assert {"OrderEventsDeadLetterQueue", "FunctionFailuresQueue"} <= expected
    depths = _graphs(template)["Dead-letter queues: messages waiting"]
    assert {m[3] for m in depths} == {f"${{{q}.QueueName}}" for q in expected}
    assert {tuple(m[:3]) for m in depths} == {("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName")}
    (table,) = _of_type(template, "AWS::DynamoDB::Table")
    throttles = _graphs(template)["Throttles: every function and the table"]
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
        assert _stats(throttles, "AWS/DynamoDB", metric, "TableName", f"${{{table}}}") == {"Sum"}
    assert resources[table]["Type"] == "AWS::DynamoDB::Table"


def test_every_business_metric_of_the_code_is_graphed_by_service(template):
    """The names src/shop/metrics.py counts (payments, refunds, reconciliation), none forgotten."""
    names = {
        value
        for key, value in vars(business_metrics).items()
        if key.isupper() and isinstance(value, str) and key != "NAMESPACE"
    }
    assert {"PaymentSucceeded", "RefundFailed"} <= names
    service = serverless_config.load()["service"]
    graphed = _graphs(template)["Payments and refunds"]
    assert {m[1] for m in graphed} == names
    assert all(m[0] == business_metrics.NAMESPACE and m[2:4] == ["service", service] for m in graphed)
