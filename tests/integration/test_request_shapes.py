"""What API Gateway may hand a handler, beyond what the other tests send: events from two
source addresses, a body without a Content-Type, a base64-encoded body, and the CORS
headers browser code depends on. Each test here was written against a mutant that no
other fast test noticed (docs/TESTING.md). Like every test, they go through tests.apigw, so the
IAM-enforced run sees each call as the function's own."""

from __future__ import annotations

import base64
import json

from tests import factories
from tests.apigw import invoke, invoke_function, make_event
from tests.conftest import ALLOWED_ORIGIN


def call(event, route):
    """An event edited after make_event (a header dropped, the body re-encoded), sent to its route's
    function as API Gateway would send it."""
    response = invoke_function(route.function, event)
    return response["statusCode"], response["headers"], json.loads(response["body"]) if response["body"] else None


def register_body():
    return {"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "Two Addresses"}


def test_each_source_address_has_its_own_rate_limit_bucket(table, monkeypatch):
    from shop import config

    monkeypatch.setenv("REGISTER_IP_LIMIT", "2")
    config.reset()
    first = [invoke("POST", "/auth/register", body={}, source_ip="198.51.100.1").status for _ in range(3)]
    assert first == [400, 400, 429]
    # Another address is not held back by the first one's count, and is counted on its own.
    second = [invoke("POST", "/auth/register", body={}, source_ip="198.51.100.2").status for _ in range(3)]
    assert second == [400, 400, 429]


def test_a_body_without_content_type_is_415_not_500(table):
    event, route = make_event("POST", "/auth/register", body=register_body())
    for name in ("headers", "multiValueHeaders"):
        event[name] = {k: v for k, v in event[name].items() if k.lower() != "content-type"} or None
    status, _, body = call(event, route)
    assert status == 415
    assert body["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_base64_encoded_body_is_decoded_as_api_gateway_sends_it(table):
    payload = register_body()
    event, route = make_event("POST", "/auth/register", body=payload)
    event["body"] = base64.b64encode(json.dumps(payload).encode()).decode()
    event["isBase64Encoded"] = True
    status, _, body = call(event, route)
    assert status == 201, body
    assert body["data"]["user"]["email"] == payload["email"]


def test_base64_text_not_flagged_as_encoded_is_not_json(table):
    event, route = make_event("POST", "/auth/register", body=register_body())
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    status, _, body = call(event, route)
    assert (status, body["code"]) == (400, "INVALID_JSON")


def test_browser_code_may_read_the_request_id_retry_after_and_replay_headers(table):
    result = invoke("GET", "/products", headers={"Origin": ALLOWED_ORIGIN})
    status, headers = result.status, result.headers
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    exposed = {name.strip() for name in headers["Access-Control-Expose-Headers"].split(",")}
    assert {"X-Request-Id", "Retry-After", "Idempotent-Replayed"} <= exposed


def test_a_foreign_origin_gets_no_cors_headers_at_all(table):
    headers = invoke("GET", "/products", headers={"Origin": "https://evil.example"}).headers
    assert not [name for name in headers if name.lower().startswith("access-control-")]
