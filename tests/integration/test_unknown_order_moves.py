"""An admin moving an order that does not exist gets the orders' one 404 (docs/API.md: 404
`NOT_FOUND`, "no such resource"): the same envelope, message included, that reading or
cancelling that id answers, so every order route tells a client the same thing."""

from __future__ import annotations

import uuid

import pytest

from tests.apigw import invoke


@pytest.mark.parametrize("status", ["paid", "cancelled"])
def test_moving_an_unknown_order_is_the_same_404_as_reading_it(table, admin, status):
    order_id = str(uuid.uuid4())

    moved = invoke("PUT", f"/orders/{order_id}/status", body={"status": status}, token=admin.token)
    read = invoke("GET", f"/orders/{order_id}", token=admin.token)
    cancelled = invoke("POST", f"/orders/{order_id}/cancel", token=admin.token)

    assert moved.status == 404, moved.body
    assert moved.json == read.json == cancelled.json
    assert moved.json == {"success": False, "error": "Order not found", "code": "NOT_FOUND"}
