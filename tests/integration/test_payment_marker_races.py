"""The payment marker's conditional write losing to a cancel that landed after the payment read
the order: a 409 naming the order's status now, no charge, and the reason taken from the failed
write itself. Through the real handler, on moto and on DynamoDB Local."""

from __future__ import annotations

import pytest

from tests.apigw import invoke
from tests.integration.test_payments import fake_provider, place

pytestmark = pytest.mark.dynamodb_local

__all__ = ["fake_provider"]  # the fixture, shared with the payment's own tests


def test_an_order_cancelled_after_the_payment_read_it_is_409_and_charged_nothing(
    table, customer, product, fake_provider, faults, monkeypatch
):
    from shop.storage import storage
    from shop.storage.orders import DynamoOrders

    order = place(customer.token, product(price=10)["id"], 1)
    pending = storage().orders.get(order["id"], consistent=True)
    assert invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token).status == 200
    stale = [pending]
    read = DynamoOrders.get
    monkeypatch.setattr(DynamoOrders, "get", lambda self, *a, **k: stale.pop() if stale else read(self, *a, **k))
    faults.recount()

    visa = {"paymentMethod": "pm_card_visa"}
    paid = invoke("POST", f"/orders/{order['id']}/payment", token=customer.token, body=visa)

    assert (paid.status, paid.code) == (409, "INVALID_TRANSITION") and "cancelled" in paid.json["error"]
    assert fake_provider.charges == []
    # the failed marker write returns the order as found; only the service's own re-read follows
    # (the edge's read of the caller, for its session version, is the user's item)
    assert [call["Key"]["type"]["S"] for call in faults.sent["GetItem"]] == ["user", "order"]
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "cancelled"
