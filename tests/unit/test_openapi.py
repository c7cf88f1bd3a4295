"""The OpenAPI document: fresh, valid, complete, and loud about undocumented routes."""

import copy
import json
import re

import pytest
from openapi_spec_validator import validate

from devtools import openapi, serverless_config


@pytest.fixture(scope="module")
def document():
    return openapi.build()


def test_committed_file_is_a_fresh_generation(document):
    committed = openapi.OUTPUT.read_text(encoding="utf-8")
    assert committed == openapi.render(document), "docs/openapi.json is stale: run `make openapi` and commit it"


def test_check_mode_reports_drift(tmp_path, capsys):
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n")
    assert openapi.main(["--check", str(stale)]) == 1
    assert openapi.main([str(stale)]) == 0
    assert openapi.main(["--check", str(stale)]) == 0
    assert json.loads(stale.read_text())["openapi"] == openapi.OPENAPI_VERSION


def test_document_is_valid_openapi(document):
    validate(document)


def test_every_routed_function_is_an_operation(document):
    routed = {(r.method.lower(), r.path, r.function) for r in serverless_config.routes() if r.method != "ANY"}
    documented = {
        (method, path, operation["operationId"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert documented == routed


def test_a_routed_function_whose_handler_declares_no_operation_fails_the_build():
    config = copy.deepcopy(serverless_config.load())
    config["functions"]["refundOrder"] = {
        "handler": "src/shop/clock.now_iso",  # a function, but not an @endpoint
        "events": [{"http": {"method": "post", "path": "/orders/{id}/refund"}}],
    }
    with pytest.raises(openapi.UndocumentedFunction, match="refundOrder"):
        openapi.build(config)


def test_a_handler_without_a_docstring_fails_the_build(monkeypatch):
    from shop.handlers import health

    monkeypatch.setattr(health, "__doc__", None)
    with pytest.raises(openapi.UndocumentedFunction, match="health"):
        openapi.build()


def test_summaries_and_descriptions_come_from_the_handler_docstrings(document):
    from shop.handlers import cancel_order

    summary, _, description = cancel_order.__doc__.strip().partition("\n")
    operation = document["paths"]["/orders/{id}/cancel"]["post"]
    assert operation["summary"] == summary
    assert operation["description"] == " ".join(description.split())
    assert operation["tags"] == ["orders"]


def test_protected_operations_declare_bearer_auth_and_their_errors(document):
    create = document["paths"]["/products"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert {"201", "400", "401", "403", "413", "415", "503"} <= set(create["responses"])
    assert "WWW-Authenticate" in create["responses"]["401"]["headers"]
    assert "Retry-After" in create["responses"]["503"]["headers"]
    assert document["paths"]["/products"]["get"]["security"] == []
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_orders_document_idempotency(document):
    create = document["paths"]["/orders"]["post"]
    assert {"$ref": "#/components/parameters/Idempotency-Key"} in create["parameters"]
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]
    assert {"404", "409", "422"} <= set(create["responses"])


def test_custom_fields_carry_their_rules(document):
    schemas = document["components"]["schemas"]
    price = schemas["ProductCreate"]["properties"]["price"]
    assert (price["type"], price["minimum"], price["exclusiveMinimum"], price["maximum"]) == (
        "number",
        0,
        True,
        1000000,
    )
    assert schemas["ProductCreate"]["properties"]["stock"]["type"] == "integer"
    blank = re.compile(schemas["ProductCreate"]["properties"]["name"]["pattern"])
    # blank is what str.strip() removes (U+001E and U+0085 included, unlike ECMA-262's \s)
    assert [bool(blank.search(text)) for text in (" \t\x1e\x85\u3000", "\ufeff", " a ")] == [False, True, True]
    assert schemas["ProductCreate"]["additionalProperties"] is False
    assert schemas["Register"]["properties"]["email"]["format"] == "email"
    assert schemas["Register"]["properties"]["password"]["minLength"] == 8
    assert schemas["ProductUpdate"]["minProperties"] == 1
    assert schemas["Pagination"]["properties"]["nextCursor"]["nullable"] is True
    assert set(schemas["Error"]["required"]) == {"success", "error", "code"}


@pytest.mark.parametrize(
    ("schema", "field", "multiline"),
    [("ProductCreate", "name", False), ("ProductCreate", "description", True), ("Register", "name", False)],
)
def test_free_text_patterns_refuse_exactly_what_the_server_refuses(document, schema, field, multiline):
    """A client (or the fuzzer) reading the contract learns the control-character rule of
    schemas.Trimmed: every character up to U+3000 is allowed by the pattern exactly when the
    server's own rule lets it through."""
    from shop.schemas import CONTROLS, LINE_CONTROLS

    refused = LINE_CONTROLS if multiline else CONTROLS
    pattern = re.compile(document["components"]["schemas"][schema]["properties"][field]["pattern"])
    disagreements = [
        hex(code) for code in range(0x3000) if bool(pattern.search(f"a{chr(code)}b")) == bool(refused.search(chr(code)))
    ]
    assert disagreements == []
