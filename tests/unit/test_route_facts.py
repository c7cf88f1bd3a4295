"""Route facts have one home, serverless.yml; every list a newcomer could forget is checked
against it here (CONTRIBUTING.md, "Adding an endpoint")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devtools import serverless_config

ROOT = Path(__file__).resolve().parents[2]
ROUTED = sorted(
    {(r.function, r.method, r.path) for r in serverless_config.routes() if r.method != "ANY"},
    key=lambda route: (route[2], route[1]),
)


def _postman_routes() -> set[tuple[str, str]]:
    collection = json.loads((ROOT / "postman" / "shop-api.postman_collection.json").read_text())
    found: set[tuple[str, str]] = set()

    def walk(items: list[dict]) -> None:
        for item in items:
            if "item" in item:
                walk(item["item"])
                continue
            request = item["request"]
            raw = request["url"]["raw"] if isinstance(request["url"], dict) else request["url"]
            found.add((request["method"], raw.removeprefix("{{baseUrl}}").split("?")[0]))

    walk(collection["item"])
    return found


def _matches(template: str, path: str) -> bool:
    """/products/{id} matches /products/{{productId}} and /products/00000000-..."""
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path) is not None


@pytest.mark.parametrize(("function", "method", "path"), ROUTED)
def test_every_route_has_a_request_in_the_postman_collection(function, method, path):
    sent = _postman_routes()
    assert any(m == method and _matches(path, p) for m, p in sent), f"{function}: no {method} {path} in postman/"


@pytest.mark.parametrize(("function", "method", "path"), ROUTED)
def test_every_route_is_in_the_readme_routes_table(function, method, path):
    readme = (ROOT / "README.md").read_text()
    row = re.search(rf"^\| {re.escape(function)} \| `{method} {re.escape(path)}[`?]", readme, re.MULTILINE)
    assert row, f"README.md's Routes table has no row for {function} ({method} {path})"


@pytest.mark.parametrize(("function", "method", "path"), ROUTED)
def test_every_route_is_in_the_api_docs(function, method, path):
    assert f"{method} {path}" in (ROOT / "docs" / "API.md").read_text(), f"docs/API.md does not describe {function}"
