"""serverless.yml is the single source of truth: check it, and that code and table agree."""

from __future__ import annotations

import pathlib
import re

from devtools import serverless_config
from devtools.lambda_runtime import import_handler

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONTRACT_ROUTES = {
    ("POST", "/auth/register"),
    ("POST", "/auth/login"),
    ("POST", "/products"),
    ("GET", "/products"),
    ("GET", "/products/{id}"),
    ("PUT", "/products/{id}"),
    ("DELETE", "/products/{id}"),
    ("POST", "/orders"),
    ("GET", "/orders"),
    ("GET", "/orders/{id}"),
    ("POST", "/orders/{id}/cancel"),
    ("PUT", "/orders/{id}/status"),
    ("GET", "/health"),
}


def test_every_contract_route_is_a_function_with_an_importable_handler():
    routes = serverless_config.routes()
    assert {(r.method, r.path) for r in routes} >= CONTRACT_ROUTES
    for route in routes:
        assert callable(import_handler(route.handler)), route.handler


def test_every_path_has_the_any_fallback_for_preflight_and_405():
    routes = serverless_config.routes()
    paths = {r.path for r in routes if r.method != "ANY"}
    assert paths == {r.path for r in routes if r.method == "ANY" and r.function == "fallback"}


def test_runtime_table_key_and_least_privilege():
    config = serverless_config.load()
    assert config["provider"]["runtime"] == "python3.12"
    assert config["frameworkVersion"] == "3"
    _, table = serverless_config.table_resource()
    assert table["KeySchema"] == [
        {"AttributeName": "id", "KeyType": "HASH"},
        {"AttributeName": "type", "KeyType": "RANGE"},
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    actions = {a for s in config["provider"]["iam"]["role"]["statements"] for a in s["Action"]}
    assert not any(a.endswith(("Scan", "*")) for a in actions)
    assert "JWT_SECRET" not in config["provider"]["environment"]  # read from SSM at run time, never in the template


def test_moto_table_is_built_from_the_template(table, ddb):
    described = ddb.describe_table(TableName=table)["Table"]
    _, template = serverless_config.table_resource()
    assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} == {
        i["IndexName"] for i in template["GlobalSecondaryIndexes"]
    }
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == template["TimeToLiveSpecification"]["AttributeName"]


def test_no_scan_anywhere_in_the_source():
    for path in (ROOT / "src").rglob("*.py"):
        assert not re.search(r"\bscan\s*\(|[\"']Scan[\"']|\"scan\"", path.read_text()), path


def test_handlers_are_thin():
    """A handler's function parses nothing and decides nothing: a few lines that call one
    service. What it declares (its @endpoint and docstring) is documentation, not logic."""
    import ast

    for path in (ROOT / "src" / "shop" / "handlers").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "handler":
                assert node.end_lineno - node.body[0].lineno < 4, f"{path.name} has grown past a thin handler"
