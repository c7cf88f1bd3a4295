"""A cancel's restock that lands exactly on the stock limit (docs/API.md: "a cancel's restock
never does [pass 1,000,000]: it stops at the limit") gives the whole quantity back: the limit
is reachable, only passing it is not."""

from __future__ import annotations

import pytest

from shop.limits import MAX_STOCK
from tests import factories
from tests.apigw import invoke


@pytest.mark.parametrize("route", ["cancel", "status"])
def test_a_restock_that_reaches_the_limit_exactly_returns_every_unit(table, customer, admin, product, route):
    lamp = product(stock=10)
    placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 5)), token=customer.token)
    assert placed.status == 201, placed.body
    stocktake = invoke("PUT", f"/products/{lamp['id']}", body={"stock": MAX_STOCK - 5}, token=admin.token)
    assert stocktake.status == 200, stocktake.body

    if route == "cancel":
        cancelled = invoke("POST", f"/orders/{placed.data['id']}/cancel", token=customer.token)
    else:
        cancelled = invoke(
            "PUT", f"/orders/{placed.data['id']}/status", body={"status": "cancelled"}, token=admin.token
        )

    assert cancelled.status == 200, cancelled.body
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == MAX_STOCK
