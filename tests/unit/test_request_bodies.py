"""What the edge says about a body it cannot take (docs/API.md: 400 INVALID_JSON, 413 over
64 KiB, 415, and the `Idempotency-Key` rule), message included: the client reads it."""

from __future__ import annotations

import base64
import json
import uuid

from shop.edge import endpoint
from shop.inputs import MAX_BODY_BYTES
from shop.schemas import CartQuantitySchema


def post(raw, content_type="application/json", encoded=False, headers=None):
    handler = endpoint(body=CartQuantitySchema)(lambda request: {"key": request.idempotency_key()})
    event = {
        "httpMethod": "POST",
        "resource": "/things",
        "path": "/things",
        "headers": {"Content-Type": content_type, **(headers or {})} if content_type else headers,
        "requestContext": {"requestId": str(uuid.uuid4())},
        "body": raw,
        "isBase64Encoded": encoded,
    }
    response = handler(event, None)
    return response["statusCode"], json.loads(response["body"])


def exactly(size):
    """A JSON object of exactly `size` bytes that the schema accepts."""
    head = '{"quantity": 1'
    padding = size - len(head) - 1
    return head + " " * padding + "}"


def test_no_body_or_an_empty_one_is_required():
    for raw in (None, ""):
        assert post(raw) == (400, {"success": False, "error": "Request body is required", "code": "INVALID_JSON"})


def test_json_that_is_not_an_object_says_so():
    status, body = post("[1, 2]")
    assert (status, body["code"], body["error"]) == (400, "INVALID_JSON", "Request body must be a JSON object")


def test_64_kib_is_accepted_and_one_byte_more_is_413_naming_the_limit():
    assert len(exactly(MAX_BODY_BYTES)) == MAX_BODY_BYTES == 64 * 1024
    assert post(exactly(MAX_BODY_BYTES))[0] == 200
    status, body = post(exactly(MAX_BODY_BYTES + 1))
    assert (status, body["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert body["error"] == "Request body must be at most 65536 bytes"


def test_an_encoded_body_over_the_limit_is_measured_decoded():
    encoded = base64.b64encode(exactly(MAX_BODY_BYTES).encode()).decode()
    assert len(encoded) > MAX_BODY_BYTES  # base64 is a third longer than what it carries
    assert post(encoded, encoded=True)[0] == 200


def test_an_encoded_body_with_characters_outside_base64_is_refused():
    encoded = base64.b64encode(b'{"quantity": 2}').decode()
    status, body = post(encoded[:4] + "*" + encoded[4:], encoded=True)
    assert (status, body["code"]) == (400, "INVALID_JSON")


def test_the_media_type_is_matched_without_case_or_parameters():
    assert post('{"quantity": 1}', content_type="Application/JSON; charset=utf-8")[0] == 200
    assert post('{"quantity": 1}', content_type="text/plain; x=application/json")[0] == 415


def test_a_malformed_idempotency_key_is_a_validation_error_naming_the_rule():
    status, body = post('{"quantity": 1}', headers={"Idempotency-Key": "has spaces"})
    assert (status, body["code"]) == (400, "VALIDATION_ERROR")
    assert body["details"] == {"Idempotency-Key": ["Must be 1 to 64 characters of A-Z a-z 0-9 _ -."]}
    assert post('{"quantity": 1}', headers={"Idempotency-Key": "k" * 64})[1]["data"] == {"key": "k" * 64}
    assert post('{"quantity": 1}')[1]["data"] == {"key": None}
