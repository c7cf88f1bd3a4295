"""GET /openapi.json and GET /docs on the local server (not Lambda routes)."""

import json

import pytest
import requests
from openapi_spec_validator import validate

from devtools import docs_site, openapi

pytestmark = pytest.mark.blackbox


def test_spec_is_served_with_this_server_as_its_server(server):
    response = requests.get(f"{server.url}/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    validate(document)
    assert document["servers"] == [{"url": server.url, "description": "this local server"}]
    committed = json.loads(openapi.OUTPUT.read_text())
    assert document["paths"] == committed["paths"]


def test_docs_page_loads_swagger_ui_from_this_server(server):
    page = requests.get(f"{server.url}/docs", timeout=10)
    if not (docs_site.SWAGGER_UI / "swagger-ui-bundle.js").exists():
        assert page.status_code == 503  # npm ci not run: the page says so
        return
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<script src="/docs/swagger-ui-bundle.js">' in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from a CDN
    bundle = requests.get(f"{server.url}/docs/swagger-ui-bundle.js", timeout=10)
    assert bundle.status_code == 200
    assert "javascript" in bundle.headers["Content-Type"]
    init = requests.get(f"{server.url}/docs/init.js", timeout=10)
    assert '"/openapi.json"' in init.text


@pytest.mark.parametrize("path", ["/docs/../serverless.yml", "/docs/package.json", "/docs/index.html"])
def test_only_the_listed_assets_are_served(server, path):
    response = requests.get(f"{server.url}{path}", timeout=10)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_docs_paths_are_get_only(server):
    response = requests.post(f"{server.url}/openapi.json", json={}, timeout=10)
    assert response.status_code == 404
