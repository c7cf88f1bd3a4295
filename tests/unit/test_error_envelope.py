"""The envelope and headers each kind of answer carries (docs/API.md: the error envelope,
`details` on validation errors, 401's `WWW-Authenticate`, `Retry-After` on 429/503, a 405's
`Allow`, and a 204 without a body)."""

from __future__ import annotations

import json
import uuid

from shop import errors
from shop.edge import Reply, endpoint


def answer(result):
    def fn(request):
        if isinstance(result, Exception):
            raise result
        return result

    event = {"httpMethod": "GET", "resource": "/x", "path": "/x", "requestContext": {"requestId": str(uuid.uuid4())}}
    response = endpoint()(fn)(event, None)
    return response["statusCode"], response["headers"], response["body"]


def test_a_204_has_no_body_and_no_content_type():
    status, headers, body = answer(Reply(204))
    assert (status, body) == (204, "")
    assert "Content-Type" not in headers


def test_a_validation_error_always_carries_details_even_empty():
    status, _, body = answer(errors.ValidationFailed())
    assert status == 400
    assert json.loads(body) == {
        "success": False,
        "error": "Validation failed",
        "code": "VALIDATION_ERROR",
        "details": {},
    }


def test_a_401_names_the_bearer_scheme():
    status, headers, body = answer(errors.Unauthorized("Missing bearer token"))
    assert status == 401 and headers["WWW-Authenticate"] == 'Bearer realm="shop-api"'
    assert json.loads(body) == {"success": False, "error": "Missing bearer token", "code": "UNAUTHORIZED"}


def test_retry_after_is_the_errors_own_delay_in_seconds():
    for error, expected in (
        (errors.ServiceUnavailable(retry_after=7), 503),
        (errors.TooManyRequests(retry_after=42), 429),
    ):
        status, headers, _ = answer(error)
        assert status == expected and headers["Retry-After"] == str(error.retry_after)
        assert "WWW-Authenticate" not in headers


def test_a_405_lists_the_paths_methods_in_allow():
    status, headers, body = answer(errors.MethodNotAllowed(allow=("GET", "POST")))
    assert status == 405 and headers["Allow"] == "GET, POST"
    assert json.loads(body)["code"] == "METHOD_NOT_ALLOWED"
    assert "Allow" not in answer(errors.NotFound())[1]
