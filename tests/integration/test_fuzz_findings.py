"""Findings of the fuzzer (make test-fuzz), pinned as tests so they stay fixed."""

import pytest

from devtools import serverless_config
from shop.handlers import fallback
from tests import factories
from tests.apigw import invoke


def test_the_fallback_knows_every_routed_path_and_its_methods():
    routed: dict[str, set[str]] = {}
    for route in serverless_config.routes():
        if route.method != "ANY":
            routed.setdefault(route.path, set()).add(route.method)
    assert {path: set(methods) for path, methods in fallback.route_methods().items()} == routed
    fallback_paths = {r.path for r in serverless_config.routes() if r.function == "fallback"}
    assert fallback_paths == set(routed)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "/products/p1", "GET, PUT, DELETE, OPTIONS"),
        ("PATCH", "/products", "GET, POST, OPTIONS"),
        ("TRACE", "/health", "GET, OPTIONS"),
    ],
)
def test_405_names_the_methods_of_the_path(table, method, path, allow):
    response = invoke(method, path)
    assert response.status == 405
    assert response.headers["Allow"] == allow
    assert response.code == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/register", '{"email":"a@example.com","password":"Corr3ct-Horse!","name":"ab\\udae7"}'),
        ("/auth/login", '{"email":"a\\ud800@example.com","password":"x"}'),
    ],
)
def test_lone_surrogates_are_invalid_json_not_a_crash(table, path, body):
    response = invoke("POST", path, raw_body=body)
    assert response.status == 400
    assert response.code == "INVALID_JSON"


def test_lone_surrogate_in_a_product_is_refused(admin):
    raw = '{"name":"x\\ud800","price":1,"category":"c","stock":1}'
    response = invoke("POST", "/products", raw_body=raw, token=admin.token)
    assert response.status == 400
    assert response.code == "INVALID_JSON"


@pytest.mark.parametrize("url", ["https://\u00dd\u00a1", "https://[::1", "https://exa mple.com", "https://a.b/\x7f"])
def test_image_url_must_be_an_ascii_https_uri(admin, url):
    response = invoke("POST", "/products", body=factories.product_body(imageUrl=url), token=admin.token)
    assert response.status == 400, response.body
    assert "imageUrl" in response.json["details"]


@pytest.mark.parametrize("path", ["/orders", "/products"])
def test_non_ascii_cursor_is_a_400_not_a_crash(customer, path):
    response = invoke("GET", path, query={"cursor": ".\u00e9t\u00e9"}, token=customer.token)
    assert response.status == 400
    assert response.code == "INVALID_CURSOR"
