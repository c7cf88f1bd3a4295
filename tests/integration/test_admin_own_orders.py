"""`GET /orders` without `?status=` lists the caller's own orders, an admin's too (docs/API.md,
listOrders): only an admin asking for a status sees everyone's."""

from __future__ import annotations

from tests import factories
from tests.apigw import invoke


def test_an_admin_listing_without_a_status_gets_their_own_orders(table, customer, admin, product):
    lamp = product(stock=5)
    invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token)
    own = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=admin.token)
    assert own.status == 201, own.body

    listed = invoke("GET", "/orders", token=admin.token)

    assert listed.status == 200, listed.body
    assert [order["id"] for order in listed.data] == [own.data["id"]]
