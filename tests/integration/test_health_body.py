"""GET /health answers what docs/API.md promises a monitor: `data: {status: "ok",
checks: {dynamodb: "ok"}}` once the table has answered a read."""

from __future__ import annotations

from tests.apigw import invoke


def test_health_names_each_check_and_its_result(table):
    result = invoke("GET", "/health")
    assert result.status == 200
    assert result.data == {"status": "ok", "checks": {"dynamodb": "ok"}}
