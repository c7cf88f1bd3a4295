"""The one JSON line per request, field by field (docs/API.md, "Log lines": requestId,
function, method, route, status, durationMs, coldStart, userId when known, errorCode on
4xx, errorType and errorAt on 5xx), with the values an operator searches by."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

from shop import edge, errors
from tests.apigw import invoke


def lines_of(log_lines):
    return [json.loads(line) for line in log_lines]


def test_a_4xx_line_names_the_request_its_function_route_status_and_code(table, log_lines):
    missing = invoke("GET", f"/products/{uuid.uuid4()}")
    assert missing.status == 404
    (line,) = lines_of(log_lines)
    assert line["requestId"] == missing.headers["X-Request-Id"]
    assert line["function"] == "getProduct"
    assert line["method"] == "GET"
    assert line["route"] == "/products/{id}"  # the template, never the id
    assert line["status"] == 404
    assert line["errorCode"] == "PRODUCT_NOT_FOUND"
    assert line["level"] == "INFO"  # a client's mistake is not an error of ours
    assert "errorType" not in line and "userId" not in line


def test_a_signed_in_callers_line_names_the_user(table, customer, log_lines):
    invoke("GET", "/orders", token=customer.token)
    (line,) = lines_of(log_lines)
    assert line["userId"] == customer.user_id and line["status"] == 200
    assert "errorCode" not in line


def test_only_the_first_request_of_an_instance_is_a_cold_start(table, monkeypatch, log_lines):
    monkeypatch.setattr(edge, "_cold_start", True)  # a fresh instance
    invoke("GET", "/health")
    invoke("GET", "/health")
    assert [line["coldStart"] for line in lines_of(log_lines)] == [True, False]


def test_duration_is_the_handlers_wall_time_in_milliseconds(monkeypatch, log_lines):
    readings = iter([100.0, 100.0123456])
    monkeypatch.setattr(edge, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    event = {"httpMethod": "GET", "resource": "/x", "path": "/x", "requestContext": {"requestId": "r-1"}}
    endpoint_handler = edge.endpoint()(lambda request: {})
    assert endpoint_handler(event, None)["statusCode"] == 200
    (line,) = lines_of(log_lines)
    assert line["durationMs"] == 12.35  # 12.3456 ms, to the hundredth


def test_a_503_is_an_error_line_with_its_code(monkeypatch, log_lines):
    def unavailable(request):
        raise errors.ServiceUnavailable(retry_after=2)

    event = {"httpMethod": "GET", "resource": "/x", "path": "/x", "requestContext": {"requestId": "r-2"}}
    response = edge.endpoint()(unavailable)(event, None)
    assert response["statusCode"] == 503
    (line,) = lines_of(log_lines)
    assert line["level"] == "ERROR" and line["status"] == 503 and line["errorCode"] == "SERVICE_UNAVAILABLE"
