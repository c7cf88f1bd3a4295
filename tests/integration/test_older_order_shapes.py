"""Orders stored in every shape this project ever wrote keep working: read, paid, cancelled,
moved (issue 28; the shapes come from the history of services/orders.py and storage/payments.py).
No `payment` map and user ids in the history (the first orders), a bare `payment.attemptUntil`
marker (before attempts had ids), a `succeeded` payment map, a `lastDecline`; none has a version.
Stored as they were, through storage's create (no stock taken), then used over HTTP."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from tests.apigw import invoke
from tests.integration.test_payments import fake_provider

pytestmark = pytest.mark.dynamodb_local

__all__ = ["fake_provider"]


def stored(customer, lamp, status, payment=None, history_by=None):
    from shop.storage import storage

    now = "2026-01-05T10:00:00.000Z"
    by = history_by or customer.user_id
    steps = [{"status": "pending", "at": now, "by": by}]
    if status != "pending":
        steps.append({"status": status, "at": now, "by": by})
    order = {
        "id": str(uuid.uuid4()),
        "userId": customer.user_id,
        "status": status,
        "items": [
            {"productId": lamp["id"], "name": lamp["name"], "price": Decimal("10"), "quantity": 1, "lineTotal": 10}
        ],
        "totalAmount": Decimal("10"),
        "shippingAddress": {"street": "1 Main St", "city": "Springfield", "zipCode": "62701", "country": "US"},
        "statusHistory": steps,
        "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "updatedAt": now,
    }
    if payment is not None:
        order["payment"] = payment
    storage().orders.create(order, [], None)
    return order["id"]


SUCCEEDED = {
    "status": "succeeded",
    "provider": "fake",
    "reference": "pi_old",
    "amount": Decimal("10"),
    "currency": "usd",
    "paidAt": "2026-01-05T10:00:00.000Z",
}


def test_a_pending_order_from_before_payments_is_read_and_paid(table, customer, product, fake_provider):
    order_id = stored(customer, product(stock=5), "pending")
    assert invoke("GET", f"/orders/{order_id}", token=customer.token).status == 200
    paid = invoke("POST", f"/orders/{order_id}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"})
    assert paid.status == 200, paid.body
    assert paid.data["status"] == "paid" and paid.data["payment"]["status"] == "succeeded"
    assert [step["by"] for step in paid.data["statusHistory"]] == ["customer", "customer"]


@pytest.mark.parametrize("status", ["paid", "cancelled"])
def test_a_paid_or_cancelled_order_from_before_payments_is_read(table, customer, product, status):
    order_id = stored(customer, product(stock=5), status)
    read = invoke("GET", f"/orders/{order_id}", token=customer.token)
    assert read.status == 200 and read.data["status"] == status, read.body
    again = invoke("POST", f"/orders/{order_id}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"})
    assert (again.status, again.code) == (409, "INVALID_TRANSITION"), again.body


def test_a_paid_order_from_before_payments_is_shipped_and_cancelled_by_an_admin(table, customer, admin, product):
    lamp = product(stock=5)
    shipped = stored(customer, lamp, "paid", history_by=admin.user_id)
    moved = invoke("PUT", f"/orders/{shipped}/status", body={"status": "shipped"}, token=admin.token)
    assert moved.status == 200 and [s["by"] for s in moved.data["statusHistory"]] == ["admin", "admin", "admin"]
    cancelled = invoke("POST", f"/orders/{stored(customer, lamp, 'paid')}/cancel", token=admin.token)
    assert cancelled.status == 200 and cancelled.data["status"] == "cancelled", cancelled.body
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 6  # its one unit back


def test_an_order_with_a_bare_in_flight_marker_is_held_until_the_marker_passes(table, customer, product):
    marker = {"status": "requires_payment", "amount": Decimal("10"), "currency": "usd"}
    held = stored(customer, product(stock=5), "pending", {**marker, "attemptUntil": int(time.time()) + 60})
    paying = invoke("POST", f"/orders/{held}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"})
    assert (paying.status, paying.code) == (409, "PAYMENT_IN_PROGRESS"), paying.body
    cancel = invoke("POST", f"/orders/{held}/cancel", token=customer.token)
    assert (cancel.status, cancel.code) == (409, "INVALID_TRANSITION")
    passed = stored(customer, product(stock=5), "pending", {**marker, "attemptUntil": int(time.time()) - 1})
    paid = invoke("POST", f"/orders/{passed}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"})
    assert paid.status == 200 and "attemptUntil" not in paid.data["payment"], paid.body


def test_an_order_paid_by_the_first_payments_code_is_read_and_shipped(table, customer, admin, product):
    order_id = stored(customer, product(stock=5), "paid", dict(SUCCEEDED))
    read = invoke("GET", f"/orders/{order_id}", token=customer.token)
    assert read.status == 200 and read.data["payment"]["reference"] == "pi_old"
    moved = invoke("PUT", f"/orders/{order_id}/status", body={"status": "shipped"}, token=admin.token)
    assert moved.status == 200 and moved.data["payment"] == read.data["payment"], moved.body


def test_an_order_with_a_recorded_decline_is_paid_and_the_decline_goes(table, customer, product, fake_provider):
    decline = {"reason": "card_declined", "method": "pm_card_chargeDeclined", "at": "2026-01-05T10:00:00.000Z"}
    payment = {"status": "requires_payment", "amount": Decimal("10"), "currency": "usd", "lastDecline": decline}
    order_id = stored(customer, product(stock=5), "pending", payment)
    assert invoke("GET", f"/orders/{order_id}", token=customer.token).data["payment"]["lastDecline"] == decline
    paid = invoke("POST", f"/orders/{order_id}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"})
    assert paid.status == 200 and "lastDecline" not in paid.data["payment"], paid.body
