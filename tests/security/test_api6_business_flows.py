"""API6:2023 Unrestricted Access to Sensitive Business Flows: the order flow cannot be gamed."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.apigw import invoke


def stock_of(product_id):
    return invoke("GET", f"/products/{product_id}").data["stock"]


def test_the_server_prices_every_order_whatever_the_client_says(customer, product):
    item = product(price=250, stock=5)
    body = factories.order_body((item["id"], 2))
    body["items"][0]["price"] = 0.01
    tampered = invoke("POST", "/orders", body=body, token=customer.token)
    assert tampered.status == 409 and tampered.code == "PRICE_CHANGED"
    assert stock_of(item["id"]) == 5
    honest = invoke("POST", "/orders", body=factories.order_body((item["id"], 2)), token=customer.token)
    assert honest.status == 201 and honest.data["totalAmount"] == 500


@pytest.mark.parametrize("quantity", [0, -1, -1000, 1.5, "2", True, None, 1001])
def test_quantities_must_be_whole_numbers_from_1_to_1000(customer, product, quantity):
    item = product(stock=5)
    body = factories.order_body((item["id"], 1))
    body["items"][0]["quantity"] = quantity
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 400 and "items.0.quantity" in result.json["details"]
    assert stock_of(item["id"]) == 5


def test_a_float_quantity_written_as_1_0_is_refused(customer, product):
    item = product(stock=5)
    raw = json.dumps(factories.order_body((item["id"], 1))).replace('"quantity": 1', '"quantity": 1.0')
    assert invoke("POST", "/orders", raw_body=raw, token=customer.token).status == 400


def test_duplicate_lines_cannot_bypass_the_stock_check(customer, product):
    item = product(stock=3)
    body = factories.order_body((item["id"], 2), (item["id"], 2))
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 400 and "items.1.productId" in result.json["details"]
    assert stock_of(item["id"]) == 3


def test_stock_never_goes_below_zero(customer, product):
    item = product(stock=2)
    result = invoke("POST", "/orders", body=factories.order_body((item["id"], 3)), token=customer.token)
    assert result.status == 409 and result.code == "OUT_OF_STOCK"
    assert stock_of(item["id"]) == 2


def test_a_replayed_order_request_charges_once(customer, product):
    item = product(stock=5)
    body = factories.order_body((item["id"], 1))
    headers = {"Idempotency-Key": "checkout-1"}
    first = invoke("POST", "/orders", body=body, token=customer.token, headers=headers)
    again = invoke("POST", "/orders", body=body, token=customer.token, headers=headers)
    assert first.status == again.status == 201 and first.data["id"] == again.data["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stock_of(item["id"]) == 4
