"""API8:2023 Security Misconfiguration: CORS, security headers, and 5xx bodies."""

from __future__ import annotations

import pytest

from shop.envelope import SECURITY_HEADERS
from tests.apigw import invoke
from tests.conftest import ALLOWED_ORIGIN

UNLISTED = ["https://evil.example", "null", "https://shop.example.evil.example", ALLOWED_ORIGIN + ".evil", "*"]


@pytest.mark.parametrize("origin", UNLISTED)
def test_unlisted_origins_get_no_cors_headers_even_on_preflight(table, origin):
    for method in ("GET", "OPTIONS"):
        result = invoke(method, "/products", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert not [h for h in result.headers if h.lower().startswith("access-control-")], result.headers


def test_a_listed_origin_is_echoed_never_a_wildcard(table):
    result = invoke("GET", "/products", headers={"Origin": ALLOWED_ORIGIN})
    assert result.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Origin" in result.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in result.headers


@pytest.mark.parametrize("spelling", [ALLOWED_ORIGIN + "/", ALLOWED_ORIGIN + "///", ALLOWED_ORIGIN.upper()])
def test_a_listed_origin_is_answered_with_the_allowlisted_spelling_never_the_raw_header(table, spelling):
    """The header's own spelling is never echoed: only the configured origin, byte for byte."""
    for method in ("GET", "OPTIONS"):
        result = invoke(method, "/products", headers={"Origin": spelling, "Access-Control-Request-Method": "GET"})
        assert result.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/health", {}),
        ("GET", "/products/missing", {}),
        ("POST", "/auth/login", {"raw_body": "{"}),
        ("GET", "/orders", {"headers": {"Authorization": "Bearer x.y.z"}}),
        ("TRACE", "/products", {}),
        ("OPTIONS", "/orders", {"headers": {"Origin": ALLOWED_ORIGIN}}),
    ],
)
def test_every_answer_carries_the_security_headers(table, method, path, kwargs):
    result = invoke(method, path, **kwargs)
    for name, value in SECURITY_HEADERS.items():
        assert result.headers[name] == value
    assert "Server" not in result.headers and "X-Powered-By" not in result.headers


def test_trace_and_other_methods_are_405(table):
    result = invoke("TRACE", "/products")
    assert result.status == 405 and result.code == "METHOD_NOT_ALLOWED"


def test_5xx_bodies_are_generic_and_internals_stay_in_the_log(table, monkeypatch, log_lines):
    from shop.services import products

    def explode(*args, **kwargs):
        raise KeyError("/var/task/shop/secret_table_layout passwordHash")

    monkeypatch.setattr(products, "list_page", explode)
    result = invoke("GET", "/products")
    assert result.status == 500
    assert result.json == {"success": False, "error": "Internal server error", "code": "INTERNAL_ERROR"}
    for needle in ("KeyError", "Traceback", "secret_table_layout", "passwordHash", ".py"):
        assert needle not in result.body
    assert '"errorType":"KeyError"' in log_lines[-1] and "secret_table_layout" not in log_lines[-1]


def test_no_debug_or_wildcard_configuration_can_start(monkeypatch):
    from shop import config
    from tests.conftest import reset_shop_caches

    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "*")
    reset_shop_caches()
    with pytest.raises(config.ConfigError):
        config.settings()
    monkeypatch.undo()
    reset_shop_caches()


def test_auth_and_health_paths_refuse_other_methods(table):
    for result in (invoke("DELETE", "/auth/register"), invoke("PUT", "/auth/login"), invoke("POST", "/health")):
        assert result.status == 405 and result.code == "METHOD_NOT_ALLOWED"
