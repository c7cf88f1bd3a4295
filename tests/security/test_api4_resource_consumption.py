"""API4:2023 Unrestricted Resource Consumption: every size a client controls is bounded."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.apigw import invoke


def test_bodies_over_64_kib_are_413_before_parsing(table):
    raw = json.dumps({"email": "a@example.com", "password": "x" * (64 * 1024)})
    result = invoke("POST", "/auth/login", raw_body=raw)
    assert result.status == 413 and result.code == "PAYLOAD_TOO_LARGE"


def test_at_most_50_lines_per_order(customer):
    body = factories.order_body(*((f"p{i}", 1) for i in range(51)))
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 400 and "items" in result.json["details"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1e9", "abc", "99999999999999999999"])
def test_page_size_is_bounded(table, limit):
    result = invoke("GET", "/products", query={"limit": limit})
    assert result.status == 400 and "limit" in result.json["details"]


def test_a_page_never_reads_more_than_limit_plus_one_items(admin, product):
    for _ in range(5):
        product()
    from shop.storage import storage

    seen: list[int] = []

    def record(parsed, model, **_):
        if model.name == "Query":
            seen.append(parsed.get("Count", 0))

    events = storage().client.meta.events
    events.register("after-call.dynamodb", record)
    try:
        assert len(invoke("GET", "/products", query={"limit": "2"}).data) == 2
    finally:
        events.unregister("after-call.dynamodb", record)
    assert seen == [3]


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 30_000 + "]" * 30_000,  # valid JSON 30,000 levels deep, under the size limit
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        '{"email": "a@example.com", "password": ' + "9" * 5000 + "}",  # a 5000-digit integer
    ],
)
def test_pathological_json_is_a_400_not_a_crash(table, raw):
    assert len(raw) < 64 * 1024
    result = invoke("POST", "/auth/login", raw_body=raw)
    assert result.status == 400 and result.code == "INVALID_JSON"


def test_a_huge_quantity_number_is_refused(customer, product):
    raw = json.dumps(factories.order_body((product()["id"], 1))).replace('"quantity": 1', '"quantity": 1e999999')
    result = invoke("POST", "/orders", raw_body=raw, token=customer.token)
    assert result.status == 400 and "items.0.quantity" in result.json["details"]


@pytest.mark.parametrize(
    ("field", "size"), [("name", 201), ("description", 2001), ("category", 51), ("imageUrl", 2049)]
)
def test_long_strings_are_refused(admin, field, size):
    value = "https://images.example/" + "a" * size if field == "imageUrl" else "a" * size
    result = invoke("POST", "/products", body=factories.product_body(**{field: value}), token=admin.token)
    assert result.status == 400 and field in result.json["details"]


def test_long_passwords_and_emails_are_refused_before_bcrypt(table):
    result = invoke("POST", "/auth/login", body={"email": "a" * 300 + "@example.com", "password": "p" * 2000})
    assert result.status == 400 and {"email", "password"} <= set(result.json["details"])


def test_an_over_long_cursor_is_refused(table):
    result = invoke("GET", "/products", query={"cursor": "a" * 5000})
    assert result.status == 400
