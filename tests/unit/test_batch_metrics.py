"""Every queue or stream function of serverless.yml, including ones added later, counts its
partial batch failures for the canary (src/shop/batch_metrics.py): its handler is wrapped by
`reports_failed_records`. What the count does to a release is in
tests/deploy/test_canary_rollback.py (a notifyCustomers release failing every record is rolled back)."""

from __future__ import annotations

import json

import pytest

from devtools import serverless_config
from devtools.lambda_runtime import LambdaContext, import_handler
from shop.batch_metrics import FAILED_RECORDS_METRIC, reports_failed_records

BATCH_FUNCTIONS = sorted(
    name
    for name, function in serverless_config.load()["functions"].items()
    if any("sqs" in e or "stream" in e for e in function.get("events") or [] if isinstance(e, dict))
)


def test_the_queue_and_stream_functions_are_found():
    assert {"notifyCustomers", "publishOrderEvents"} <= set(BATCH_FUNCTIONS)


@pytest.mark.parametrize("name", BATCH_FUNCTIONS)
def test_each_batch_handler_reports_its_failed_records(name):
    handler = import_handler(serverless_config.load()["functions"][name]["handler"])
    assert handler.__code__ is reports_failed_records(lambda event, context: {}).__code__, name
    assert hasattr(handler, "__wrapped__")


def test_a_batch_with_failures_is_one_datapoint_by_function_and_version_and_a_clean_one_none(capsys):
    answer = {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}
    context = LambdaContext("shop-api-dev-worker", "request-1", timeout_s=6)
    context.function_version = "7"
    capsys.readouterr()
    assert reports_failed_records(lambda event, context: answer)({}, context) == answer
    assert reports_failed_records(lambda event, context: {"batchItemFailures": []})({}, context) == {
        "batchItemFailures": []
    }
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    document = json.loads(line)
    (declared,) = document["_aws"]["CloudWatchMetrics"]
    assert declared["Namespace"] == "ShopApi"
    assert [m["Name"] for m in declared["Metrics"]] == [FAILED_RECORDS_METRIC]
    assert (document["function"], document["version"], document[FAILED_RECORDS_METRIC]) == (
        "shop-api-dev-worker",
        "7",
        [2.0],
    )
