"""Cross-cutting behaviour every route shares: envelope, headers, CORS, auth, bodies, logs."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from tests import factories
from tests.apigw import invoke, make_event
from tests.conftest import ALLOWED_ORIGIN, TEST_SECRET

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def token_with(secret=TEST_SECRET, algorithm="HS256", kid=None, **claims):
    from shop.tokens import key_id

    now = int(time.time())
    payload = {
        "sub": "u1",
        "email": "a@example.com",
        "role": "customer",
        "iat": now,
        "exp": now + 60,
        "iss": "shop-api",
        "aud": "shop-api-clients",
    } | claims
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, secret, algorithm=algorithm, headers={"kid": kid or key_id(TEST_SECRET)})


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health"), ("GET", "/products"), ("GET", "/products/x"), ("POST", "/orders"), ("PATCH", "/products")],
)
def test_every_response_has_security_headers_request_id_and_json(table, method, path):
    result = invoke(method, path)
    for name, value in SECURITY_HEADERS.items():
        assert result.headers[name] == value
    assert result.headers["X-Request-Id"]
    assert result.headers["Content-Type"] == "application/json"
    assert result.json["success"] is (result.status < 400)


def test_request_id_is_api_gateways(table):
    from shop.handlers.health import handler

    event, _ = make_event("GET", "/health")
    response = handler(event, None)
    assert response["headers"]["X-Request-Id"] == event["requestContext"]["requestId"]


def test_wrong_method_on_a_known_path_is_405(table):
    result = invoke("PATCH", "/products/abc")
    assert result.status == 405 and result.code == "METHOD_NOT_ALLOWED"


def test_cors_echoes_only_listed_origins_and_never_a_wildcard(table):
    listed = invoke("GET", "/products", headers={"Origin": ALLOWED_ORIGIN})
    assert listed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert listed.headers["Vary"] == "Origin"
    unlisted = invoke("GET", "/products", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in unlisted.headers
    assert "*" not in json.dumps(unlisted.headers)


def test_preflight_for_listed_origins_only(table):
    ok = invoke("OPTIONS", "/orders/123", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"})
    assert ok.status == 204 and ok.body == ""
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert ok.headers["Access-Control-Allow-Headers"] == "Content-Type, Authorization, Idempotency-Key, X-Request-Id"
    assert "POST" in ok.headers["Access-Control-Allow-Methods"] and int(ok.headers["Access-Control-Max-Age"]) > 0
    denied = invoke("OPTIONS", "/orders", headers={"Origin": "https://evil.example"})
    assert denied.status == 204 and not any(h.startswith("Access-Control-Allow") for h in denied.headers)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "INVALID_JSON"),
        ("[1, 2]", "INVALID_JSON"),
        ('"text"', "INVALID_JSON"),
        ("NaN", "INVALID_JSON"),
        ("[" * 100_000 + "]" * 100_000, "PAYLOAD_TOO_LARGE"),
        ("[" * 30_000 + "]" * 30_000, "INVALID_JSON"),
    ],
)
def test_bad_bodies_are_4xx_never_500(table, raw, code):
    result = invoke("POST", "/auth/register", raw_body=raw)
    assert 400 <= result.status < 500 and result.code == code


def test_missing_body_and_wrong_media_type(table):
    assert invoke("POST", "/auth/login").code == "INVALID_JSON"
    form = invoke(
        "POST", "/auth/login", raw_body="email=a", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert form.status == 415 and form.code == "UNSUPPORTED_MEDIA_TYPE"
    charset = invoke(
        "POST",
        "/auth/login",
        body={"email": "a@b.co", "password": "x"},
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status == 401


def test_body_over_64_kib_is_413(table, admin):
    big = factories.product_body(description="x" * 70_000)
    result = invoke("POST", "/products", body=big, token=admin.token)
    assert result.status == 413 and result.code == "PAYLOAD_TOO_LARGE"


# Each bad header is built when its test runs, never at collection: a token signed at
# collection time carries the key id of the code as it was then, and would be refused by
# the key-id check instead of the check under test (a mutation run showed exactly that).
BAD_HEADERS = {
    "none": lambda: None,
    "basic": lambda: "Basic dXNlcjpwYXNz",
    "bare scheme": lambda: "Bearer",
    "not a jwt": lambda: "Bearer not-a-jwt",
    "three dots": lambda: "Bearer a.b.c",
    "another secret": lambda: "Bearer " + token_with(secret="another-secret-that-is-long-enough-for-hs256-keys"),
    "expired": lambda: "Bearer " + token_with(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
    "audience": lambda: "Bearer " + token_with(aud="someone-else"),
    "issuer": lambda: "Bearer " + token_with(iss="someone-else"),
    "no exp": lambda: "Bearer " + token_with(exp=None),
    "no sub": lambda: "Bearer " + token_with(sub=None),
    "unknown role": lambda: "Bearer " + token_with(role="superuser"),
    "unknown kid": lambda: "Bearer " + token_with(kid="unknown-kid"),
    "alg none": lambda: "Bearer " + jwt.encode({"sub": "u1", "role": "admin"}, None, algorithm="none"),
}


@pytest.fixture
def u1(table, ddb):
    """The account token_with() names: every signed-in request reads its user (its session),
    so without it even a good token is a 401."""
    item = {"id": "u1", "type": "user", "email": "a@example.com", "name": "A", "role": "customer"}
    ddb.put_item(TableName=table, Item={k: {"S": v} for k, v in (item | {"passwordHash": "x"}).items()})


def test_the_token_the_bad_ones_are_made_from_is_accepted(u1):
    # The control for the cases below: with nothing changed, token_with() signs a good token.
    assert invoke("GET", "/orders", headers={"Authorization": "Bearer " + token_with()}).status == 200


def test_a_good_token_of_an_account_that_does_not_exist_is_a_401(table):
    result = invoke("GET", "/orders", headers={"Authorization": "Bearer " + token_with()})
    assert (result.status, result.code) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("make_header", BAD_HEADERS.values(), ids=BAD_HEADERS.keys())
def test_bad_tokens_are_401_with_www_authenticate(u1, make_header):
    header = make_header()
    result = invoke("GET", "/orders", headers={"Authorization": header} if header else {})
    assert result.status == 401 and result.code == "UNAUTHORIZED"
    assert result.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing bearer token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Malformed Authorization header"),
        ({"Authorization": "Bearer"}, "Malformed Authorization header"),
    ],
    ids=["none", "another scheme", "no token"],
)
def test_a_missing_or_malformed_header_says_which(table, headers, message):
    result = invoke("GET", "/orders", headers=headers)
    assert (result.status, result.json["error"]) == (401, message)


def test_bearer_scheme_is_case_insensitive(table, customer):
    assert invoke("GET", "/orders", headers={"Authorization": f"bEaReR {customer.token}"}).status == 200


def test_an_admin_claim_is_rechecked_against_the_table(table, customer):
    forged_role = token_with(sub=customer.user_id, role="admin")  # validly signed, but the user is a customer
    result = invoke("POST", "/products", body=factories.product_body(), token=forged_role)
    plain = invoke("POST", "/products", body=factories.product_body(), token=customer.token)
    for refused in (result, plain):  # the envelope says why, in the same words either way
        assert (refused.status, refused.code, refused.json["error"]) == (403, "FORBIDDEN", "Admin role required")


def test_unexpected_errors_are_a_generic_500_and_logged_by_type(table, monkeypatch, log_lines):
    from shop.storage.products import DynamoProducts

    def explode(self, *args, **kwargs):
        raise KeyError("secret internals")

    monkeypatch.setattr(DynamoProducts, "list_page", explode)
    result = invoke("GET", "/products")
    assert result.status == 500
    assert result.json == {"success": False, "error": "Internal server error", "code": "INTERNAL_ERROR"}
    assert "secret internals" not in result.body
    line = json.loads(log_lines[-1])
    assert line["level"] == "ERROR" and line["errorType"] == "KeyError" and line["status"] == 500
    assert "secret internals" not in json.dumps(line)
    # Where it was raised, innermost frame first: this test's own `explode`, by file and line.
    assert line["errorAt"] == f"test_edge.py:{explode.__code__.co_firstlineno + 1}"


def _emf(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]
    return [line for line in lines if line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ShopApi"]


def test_a_500_is_counted_for_the_canary_by_function_and_executed_version(table, monkeypatch, capsys):
    """Lambda's Errors metric stays 0 when the edge answers 500: the edge's own EMF datapoint is
    what deploy/plugins/canary.js's per-version 5xx alarm watches (issue 30, defect 7)."""
    from shop.storage.products import DynamoProducts

    def explode(self, *args, **kwargs):
        raise KeyError("a bad release")

    capsys.readouterr()
    assert invoke("GET", "/products").status == 200
    assert _emf(capsys.readouterr().out) == []  # a good answer counts nothing
    monkeypatch.setattr(DynamoProducts, "list_page", explode)
    assert invoke("GET", "/products").status == 500
    (metric,) = _emf(capsys.readouterr().out)
    (declared,) = metric["_aws"]["CloudWatchMetrics"]
    assert declared["Dimensions"] == [["function", "version"]]
    assert declared["Metrics"] == [{"Name": "Http5xx", "Unit": "Count"}]
    assert metric["function"].endswith("listProducts") and metric["version"] == "$LATEST"
    assert metric["Http5xx"] == [1.0]


def test_dynamodb_unreachable_is_503_with_retry_after(table, monkeypatch):
    from shop.storage import storage

    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    from tests.conftest import reset_shop_caches

    reset_shop_caches()
    result = invoke("GET", "/health")
    assert result.status == 503 and result.code == "SERVICE_UNAVAILABLE"
    assert int(result.headers["Retry-After"]) >= 1
    assert storage().client.meta.config.retries["mode"] == "standard"


def test_one_json_log_line_per_request_without_secrets(table, log_lines):
    email, password = factories.email(), factories.STRONG_PASSWORD
    registered = invoke("POST", "/auth/register", body={"email": email, "password": password, "name": "Log Test"})
    token = registered.data["token"]
    invoke("GET", "/orders", token=token)
    lines = [json.loads(line) for line in log_lines]
    assert len(lines) == 2
    register_line, orders_line = lines
    assert register_line["status"] == 201 and register_line["route"] == "/auth/register"
    assert orders_line["userId"] == registered.data["user"]["userId"]
    for line in lines:
        assert {
            "timestamp",
            "level",
            "requestId",
            "function",
            "method",
            "route",
            "status",
            "durationMs",
            "coldStart",
            "version",  # the executed version: which release answered (canary)
        } <= set(line)
        text = json.dumps(line)
        assert password not in text and token not in text and email not in text and "$2b$" not in text


def test_the_v3_paths_answer_other_methods_with_405_and_their_allow_list(table):
    """The fallback function's ANY route on each new path: search, categories, refunds and returns."""
    search = invoke("POST", "/search")
    assert (search.status, search.code, search.headers["Allow"]) == (405, "METHOD_NOT_ALLOWED", "GET, OPTIONS")
    categories = invoke("DELETE", "/categories")
    assert (categories.status, categories.headers["Allow"]) == (405, "GET, OPTIONS")
    refunds = invoke("GET", "/orders/o-1/refunds")
    assert (refunds.status, refunds.headers["Allow"]) == (405, "POST, OPTIONS")
    returns = invoke("GET", "/orders/o-1/returns")
    assert (returns.status, returns.headers["Allow"]) == (405, "POST, OPTIONS")
    decision = invoke("DELETE", "/orders/o-1/returns/ret1/receive")
    assert (decision.status, decision.headers["Allow"]) == (405, "POST, OPTIONS")
