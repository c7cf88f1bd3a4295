"""Route facts have one home: serverless.yml for the route, the handler for everything else
(`@endpoint(who=..., example=...)`, or TRIGGER and WHO for a function without a route).
Every list made from them is generated (`make generate`, devtools.generate) and checked
fresh here; a function without its declaration fails loudly (CONTRIBUTING.md, "Adding an endpoint")."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import pytest

from devtools import generate, routes, serverless_config

ROOT = serverless_config.ROOT
ROUTED = sorted(
    {(r.function, r.method, r.path) for r in serverless_config.routes() if r.method != "ANY"},
    key=lambda route: (route[2], route[1]),
)
GENERATED = sorted(str(path.relative_to(ROOT)) for path in generate.artifacts())


@pytest.fixture(scope="module")
def stale():
    return {str(path.relative_to(ROOT)) for path in generate.stale()}


@pytest.mark.parametrize("name", GENERATED)
def test_every_generated_file_is_a_fresh_generation(name, stale):
    assert name not in stale, f"{name} is stale: run `make generate` and commit it"


def test_check_mode_names_each_stale_file_and_writing_makes_it_fresh(tmp_path, monkeypatch, capsys):
    readme = tmp_path / "API.md"
    readme.write_text(f"# Shop\n\n{generate.BEGIN}\n| an old row |\n{generate.END}\n\nafter\n")
    table = generate.routes_table()
    monkeypatch.setattr(generate, "artifacts", lambda: {readme: lambda text: generate.with_table(text, table, "x")})
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    monkeypatch.setattr(generate, "POSTMAN", tmp_path / "routes.postman_collection.json")
    assert generate.main(["--check"]) == 1
    assert "API.md is out of date" in capsys.readouterr().err
    assert not (tmp_path / "routes.postman_collection.json").exists()
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0
    text = readme.read_text()
    assert "| an old row |" not in text and "| getProduct | `GET /products/{id}` | anyone |" in text
    assert text.endswith(f"{generate.END}\n\nafter\n")
    skeletons = json.loads((tmp_path / "routes.postman_collection.json").read_text())
    assert [item["name"].split(":")[0] for item in skeletons["item"]] == [e.function for e in routes.http()]


def test_a_file_without_the_markers_is_refused():
    with pytest.raises(SystemExit, match=r"README\.md has no"):
        generate.with_table("# no table here\n", "| x |", "README.md")


@pytest.fixture(scope="module")
def skeletons():
    return generate.postman_collection()["item"]


@pytest.mark.parametrize(("function", "method", "path"), ROUTED)
def test_every_route_is_in_the_routes_table_and_has_a_postman_request(function, method, path, skeletons):
    api = (ROOT / "docs" / "API.md").read_text()
    row = re.search(rf"^\| {re.escape(function)} \| `{method} {re.escape(path)}[`?]", api, re.MULTILINE)
    assert row, f"docs/API.md's routes table has no row for {function} ({method} {path})"
    (item,) = [item for item in skeletons if item["name"].startswith(f"{function}: ")]
    assert item["request"]["method"] == method
    fixed = next(entry.example.fixed for entry in routes.http() if entry.function == function)
    for name, value in fixed.items():  # a parameter that names no record is sent as it is
        path = path.replace("{" + name + "}", value)
    template = re.sub(r"\\\{[^}]+\\\}", r"\\{\\{[A-Za-z]+\\}\\}", re.escape(path))
    assert re.fullmatch(r"\{\{baseUrl\}\}" + template + r"(\?.*)?", item["request"]["url"]["raw"]), item["request"]


def test_the_readme_points_to_the_one_routes_table():
    readme = (ROOT / "README.md").read_text()
    assert "docs/API.md#routes" in readme
    assert generate.BEGIN not in readme and "| getProduct |" not in readme


def test_a_route_without_its_example_fails_loudly(monkeypatch):
    from shop.handlers import get_product

    operation = dataclasses.replace(get_product.handler.operation, example=None)
    monkeypatch.setattr(get_product.handler, "operation", operation)
    with pytest.raises(routes.UndocumentedFunction, match=r"getProduct: declare who may call it and an example"):
        routes.declared()


def test_a_new_route_whose_handler_is_not_an_endpoint_fails_loudly():
    config = copy.deepcopy(serverless_config.load())
    config["functions"]["getProductStock"] = {
        "handler": "src/shop/clock.now_iso",  # a function, but not an @endpoint
        "events": [{"http": {"method": "get", "path": "/products/{id}/stock"}}],
    }
    with pytest.raises(routes.UndocumentedFunction, match="getProductStock: its handler"):
        routes.declared(config)


def test_a_function_without_a_route_must_say_how_it_is_reached(monkeypatch):
    from shop.handlers import expire_orders

    monkeypatch.delattr(expire_orders, "TRIGGER")
    with pytest.raises(routes.UndocumentedFunction, match="expireOrders: a function without a route"):
        routes.declared()


@pytest.mark.parametrize("entry", routes.http(), ids=lambda entry: entry.function)
def test_every_example_names_only_its_own_path_parameters_and_known_records(entry):
    """An example a harness can fill in: each path parameter bound to a record the harnesses seed."""
    params = set(re.findall(r"\{([^}]+)\}", entry.route.path))
    assert set(entry.example.ids) | set(entry.example.fixed) == params, entry.function
    assert not set(entry.example.ids) & set(entry.example.fixed), entry.function
    assert set(entry.example.ids.values()) <= {"product", "order", "image"}, entry.function
    assert entry.example.auth in (None, "customer", "admin"), entry.function
    assert (entry.example.auth is None) == (entry.operation.auth is None), entry.function
