"""What each handler hands back to API Gateway: a well-formed Lambda proxy response, with its own
request id, even when the request or the function's configuration is not what it should be."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.apigw import invoke_function, make_event
from tests.conftest import ALLOWED_ORIGIN, reset_shop_caches

# API Gateway's REST proxy integration answers 502 "Malformed Lambda proxy response" to any other field.
PROXY_FIELDS = {"statusCode", "headers", "body", "isBase64Encoded"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/health", 200), ("GET", "/products/none", 404), ("OPTIONS", "/orders", 204), ("POST", "/orders", 401)],
)
def test_every_answer_has_only_the_proxy_fields_and_a_text_body(table, method, path, status):
    event, route = make_event(method, path, headers={"Origin": ALLOWED_ORIGIN})
    response = invoke_function(route.function, event)
    assert set(response) == PROXY_FIELDS
    assert response["statusCode"] == status
    assert response["isBase64Encoded"] is False
    assert isinstance(response["body"], str)
    assert all(isinstance(value, str) for value in response["headers"].values())


def test_an_event_without_a_request_id_gets_a_fresh_one_each_time(table):
    ids = []
    for _ in range(2):
        event, route = make_event("GET", "/products/none")
        del event["requestContext"]["requestId"]
        response = invoke_function(route.function, event)
        assert response["statusCode"] == 404
        ids.append(response["headers"]["X-Request-Id"])
    assert ids[0] != ids[1]
    assert all(str(uuid.UUID(request_id)) == request_id for request_id in ids)


def test_a_function_deployed_with_a_wildcard_origin_answers_a_500_envelope_not_a_crash(table, monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "*")
    reset_shop_caches()
    event, route = make_event("GET", "/products", headers={"Origin": ALLOWED_ORIGIN})
    response = invoke_function(route.function, event)
    assert response["statusCode"] == 500
    assert json.loads(response["body"])["code"] == "INTERNAL_ERROR"
    assert response["headers"]["X-Request-Id"] == event["requestContext"]["requestId"]
    assert not any(name.startswith("Access-Control-") for name in response["headers"])
