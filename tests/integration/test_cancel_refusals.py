"""What a cancel that may not happen answers (docs/API.md, cancelOrder): the owner of a paid
order is told why (409 `INVALID_TRANSITION`: only an admin can cancel it now); someone else's
order is a 404 exactly like a missing one. Nothing moves either way."""

from __future__ import annotations

import uuid

from tests import factories
from tests.apigw import invoke
from tests.integration.conftest import place_paid_order


def test_the_owner_of_a_paid_order_is_told_only_an_admin_can_cancel_it(customer, admin, product):
    lamp = product(stock=5)
    order_id = place_paid_order(customer, admin, lamp["id"])

    refused = invoke("POST", f"/orders/{order_id}/cancel", token=customer.token)

    assert refused.status == 409, refused.body
    assert refused.code == "INVALID_TRANSITION"
    assert refused.json["error"] == "Order is paid; only an admin can cancel it now"
    assert invoke("GET", f"/orders/{order_id}", token=customer.token).data["status"] == "paid"
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 3


def test_someone_elses_order_is_a_404_like_a_missing_one(customer, other_customer, product):
    placed = invoke("POST", "/orders", body=factories.order_body((product()["id"], 1)), token=customer.token)

    theirs = invoke("POST", f"/orders/{placed.data['id']}/cancel", token=other_customer.token)
    missing = invoke("POST", f"/orders/{uuid.uuid4()}/cancel", token=other_customer.token)

    for refused in (theirs, missing):
        assert refused.status == 404, refused.body
        assert (refused.code, refused.json["error"]) == ("NOT_FOUND", "Order not found")
    assert invoke("GET", f"/orders/{placed.data['id']}", token=customer.token).data["status"] == "pending"
