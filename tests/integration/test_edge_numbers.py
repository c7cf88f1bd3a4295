"""Numbers at the edges of Python's Decimal context (28 significant digits, exponents far
beyond a float's) in every money field of every body: a 400 VALIDATION_ERROR naming the
field, never a 500; and exact spellings of valid prices (trailing zeros, exponents) are
accepted at their value. The fuzzer sends the same class (tests/contract/fuzz_hooks.py)."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.apigw import invoke

# Raw JSON number literals: json.dumps of a float could not spell most of them.
OUT_OF_BOUNDS = [
    "10000000000000000000000000000.001",  # 29 integer digits and a third decimal: quantize overflows
    "99999999999999999999999999.999",
    "1000000.001",
    "1E+999999999",
    "-1E+999999999",
    "1E-999999999",
    "0.000000000000000000000000000000001",
    "123456789012345678901234567890123456789.12",
    "-0.001",
    "0E-1000",
]
# Valid prices, spelled the way a client's decimal library might.
EXACT = [
    ("1000000.000000000000000000000000000000", 1000000),
    ("0.0100000000000000000000000000000000000000", 0.01),
    ("1999E-2", 19.99),
    ("0.1999E+2", 19.99),
]


def _body_with(template: dict, literal: str) -> str:
    """`template` as JSON with the string "<n>" replaced by the raw number `literal`."""
    return json.dumps(template).replace('"<n>"', literal)


def _product_body(literal: str) -> str:
    return _body_with({**factories.product_body(), "price": "<n>"}, literal)


@pytest.mark.parametrize("literal", OUT_OF_BOUNDS)
def test_an_edge_price_in_a_new_product_is_a_400(table, admin, literal):
    result = invoke("POST", "/products", raw_body=_product_body(literal), token=admin.token)
    assert result.status == 400, result.body
    assert result.code == "VALIDATION_ERROR" and list(result.json["details"]) == ["price"]


@pytest.mark.parametrize("literal", OUT_OF_BOUNDS)
def test_an_edge_price_in_a_product_update_is_a_400_and_changes_nothing(table, admin, product, literal):
    existing = product(price=5)
    raw = _body_with({"price": "<n>"}, literal)
    result = invoke("PUT", f"/products/{existing['id']}", raw_body=raw, token=admin.token)
    assert result.status == 400, result.body
    assert result.code == "VALIDATION_ERROR" and list(result.json["details"]) == ["price"]
    assert invoke("GET", f"/products/{existing['id']}").data["price"] == 5


@pytest.mark.parametrize("literal", OUT_OF_BOUNDS)
def test_an_edge_price_in_an_order_line_is_a_400(table, customer, product, literal):
    existing = product(stock=3)
    body = factories.order_body((existing["id"], 1))
    body["items"][0]["price"] = "<n>"
    result = invoke("POST", "/orders", raw_body=_body_with(body, literal), token=customer.token)
    assert result.status == 400, result.body
    assert result.code == "VALIDATION_ERROR" and list(result.json["details"]) == ["items.0.price"]
    assert invoke("GET", f"/products/{existing['id']}").data["stock"] == 3


@pytest.mark.parametrize(("literal", "value"), EXACT)
def test_an_exact_spelling_of_a_valid_price_is_accepted_at_its_value(table, admin, literal, value):
    result = invoke("POST", "/products", raw_body=_product_body(literal), token=admin.token)
    assert result.status == 201, result.body
    assert result.data["price"] == value
    assert invoke("GET", f"/products/{result.data['id']}").data["price"] == value
