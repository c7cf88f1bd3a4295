"""Stock an order takes, or a cancel gives back, is a change of the product: its `updatedAt`
(docs/API.md, Products: a server field) moves on, and the product keeps exactly its
documented fields."""

from __future__ import annotations

import time

from shop.limits import MAX_STOCK
from tests import factories
from tests.apigw import invoke


def _product(product_id):
    return invoke("GET", f"/products/{product_id}").data


def test_an_order_and_its_cancel_restamp_the_product_and_add_no_field(table, customer, product):
    lamp = product(stock=5)
    before = _product(lamp["id"])
    time.sleep(0.002)
    placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 2)), token=customer.token)
    assert placed.status == 201, placed.body

    taken = _product(lamp["id"])
    assert taken["stock"] == 3 and taken["updatedAt"] > before["updatedAt"]
    assert set(taken) <= factories.PRODUCT_FIELDS

    time.sleep(0.002)
    cancelled = invoke("POST", f"/orders/{placed.data['id']}/cancel", token=customer.token)
    assert cancelled.status == 200, cancelled.body

    returned = _product(lamp["id"])
    assert returned["stock"] == 5 and returned["updatedAt"] > taken["updatedAt"]
    assert set(returned) <= factories.PRODUCT_FIELDS


def test_a_restock_stopped_at_the_limit_restamps_the_product_and_adds_no_field(table, customer, admin, product):
    lamp = product(stock=10)
    placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 5)), token=customer.token)
    assert placed.status == 201, placed.body
    stocktake = invoke("PUT", f"/products/{lamp['id']}", body={"stock": MAX_STOCK - 1}, token=admin.token)
    assert stocktake.status == 200, stocktake.body
    before = _product(lamp["id"])
    time.sleep(0.002)

    cancelled = invoke("POST", f"/orders/{placed.data['id']}/cancel", token=customer.token)

    assert cancelled.status == 200, cancelled.body
    capped = _product(lamp["id"])
    assert capped["stock"] == MAX_STOCK and capped["updatedAt"] > before["updatedAt"]
    assert set(capped) <= factories.PRODUCT_FIELDS
