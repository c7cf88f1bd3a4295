"""Returns (issue 28): the owner returns units of a delivered order within RETURN_WINDOW_DAYS; an
admin receives them (the return's amount refunded through the provider, the units restocked when
asked, once, even when two admins receive at the same moment) or rejects them. Through the real
handlers and the fake provider's ledger, on moto and on DynamoDB Local."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests import factories
from tests.apigw import invoke, invoke_function
from tests.integration.conftest import pay_order
from tests.integration.test_payments import fake_provider

pytestmark = pytest.mark.dynamodb_local

__all__ = ["fake_provider"]
DAY = 86400


def ask(account, order_id, items, reason="Does not fit"):
    body = {"items": [{"productId": p, "quantity": q} for p, q in items], "reason": reason}
    return invoke("POST", f"/orders/{order_id}/returns", token=account.token, body=body)


def receive(admin, order_id, return_id, body=None):
    body = {"restock": True} if body is None else body
    return invoke("POST", f"/orders/{order_id}/returns/{return_id}/receive", token=admin.token, body=body)


def reject(admin, order_id, return_id, body=None):
    body = {"reason": "Worn"} if body is None else body
    return invoke("POST", f"/orders/{order_id}/returns/{return_id}/reject", token=admin.token, body=body)


def stock(product_id):
    return invoke("GET", f"/products/{product_id}").data["stock"]


def ledger_refunds(provider, order_id):
    return [(entry["amount"], entry["status"]) for entry in provider.refunds(order_id)]


@pytest.fixture
def delivered(customer, admin, product, fake_provider):
    """A delivered order of 3 shirts at 20 and 1 hat at 15 (total 75), paid with the fake provider."""
    shirt, hat = product(price=20, stock=10)["id"], product(price=15, stock=10)["id"]
    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((shirt, 3), (hat, 1)))
    assert placed.status == 201, placed.body
    order_id = placed.data["id"]
    pay_order(customer.token, order_id)
    for status in ("shipped", "delivered"):
        moved = invoke("PUT", f"/orders/{order_id}/status", token=admin.token, body={"status": status})
        assert moved.status == 200, moved.body
    return SimpleNamespace(id=order_id, shirt=shirt, hat=hat)


def test_the_owner_returns_units_of_a_delivered_order_at_their_purchase_price(table, customer, delivered):
    asked = ask(customer, delivered.id, [(delivered.shirt, 2), (delivered.hat, 1)])

    assert asked.status == 201, asked.body
    data = asked.data
    assert (data["orderId"], data["status"], data["amount"], data["reason"]) == (
        delivered.id,
        "requested",
        55,
        "Does not fit",
    )
    assert data["items"] == [
        {"productId": delivered.shirt, "quantity": 2, "price": 20},
        {"productId": delivered.hat, "quantity": 1, "price": 15},
    ]
    assert data["id"] and data["createdAt"]
    order = invoke("GET", f"/orders/{delivered.id}", token=customer.token).data
    assert [(r["id"], r["status"], r["amount"]) for r in order["returns"]] == [(data["id"], "requested", 55)]
    assert order["status"] == "delivered" and "refunds" not in order


def test_more_units_than_bought_less_those_already_returned_is_409(table, customer, admin, delivered):
    too_many = ask(customer, delivered.id, [(delivered.shirt, 4)])
    assert (too_many.status, too_many.code) == (409, "INVALID_TRANSITION"), too_many.body
    not_bought = ask(customer, delivered.id, [("someone-elses-product", 1)])
    assert (not_bought.status, not_bought.code) == (409, "INVALID_TRANSITION")

    first = ask(customer, delivered.id, [(delivered.shirt, 2)])
    assert first.status == 201
    third = ask(customer, delivered.id, [(delivered.shirt, 2)])  # 1 of 3 left
    assert (third.status, third.code) == (409, "INVALID_TRANSITION")
    assert ask(customer, delivered.id, [(delivered.shirt, 1)]).status == 201

    # A rejected return's units may be asked for again.
    assert reject(admin, delivered.id, first.data["id"]).status == 200
    assert ask(customer, delivered.id, [(delivered.shirt, 2)]).status == 201
    order = invoke("GET", f"/orders/{delivered.id}", token=customer.token).data
    assert [r["status"] for r in order["returns"]] == ["rejected", "requested", "requested"]


def test_only_a_delivered_order_of_ones_own_can_be_returned(table, customer, other_customer, admin, product):
    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((product()["id"], 1)))
    order_id, product_id = placed.data["id"], placed.data["items"][0]["productId"]
    pending = ask(customer, order_id, [(product_id, 1)])
    assert (pending.status, pending.code) == (409, "INVALID_TRANSITION")
    assert ask(other_customer, order_id, [(product_id, 1)]).status == 404
    assert ask(admin, order_id, [(product_id, 1)]).status == 404  # the owner asks, not the shop
    assert ask(customer, "no-such-order", [(product_id, 1)]).status == 404
    assert "returns" not in invoke("GET", f"/orders/{order_id}", token=customer.token).data


@pytest.mark.parametrize(
    "body",
    [
        {"items": [], "reason": "x"},
        {"items": [{"productId": "p", "quantity": 0}], "reason": "x"},
        {"items": [{"productId": "p", "quantity": 1}, {"productId": "p", "quantity": 1}], "reason": "x"},
        {"items": [{"productId": "p", "quantity": 1}]},
        {"items": [{"productId": "p", "quantity": 1}], "reason": "x", "amount": 5},
    ],
)
def test_a_malformed_return_is_400_and_writes_nothing(table, customer, delivered, body):
    refused = invoke("POST", f"/orders/{delivered.id}/returns", token=customer.token, body=body)
    assert (refused.status, refused.code) == (400, "VALIDATION_ERROR"), refused.body
    assert "returns" not in invoke("GET", f"/orders/{delivered.id}", token=customer.token).data


def test_returns_are_accepted_for_return_window_days_after_delivery(table, customer, delivered, monkeypatch, limits):
    from shop.services import returns

    now = time.time()
    monkeypatch.setattr(returns, "time", SimpleNamespace(time=lambda: now + 31 * DAY))
    late = ask(customer, delivered.id, [(delivered.shirt, 1)])
    assert (late.status, late.code) == (409, "RETURN_WINDOW_CLOSED"), late.body

    monkeypatch.setattr(returns, "time", SimpleNamespace(time=lambda: now + 29 * DAY))
    assert ask(customer, delivered.id, [(delivered.shirt, 1)]).status == 201

    limits(RETURN_WINDOW_DAYS=7)
    closed = ask(customer, delivered.id, [(delivered.shirt, 1)])
    assert (closed.status, closed.code) == (409, "RETURN_WINDOW_CLOSED")
    order = invoke("GET", f"/orders/{delivered.id}", token=customer.token).data
    assert len(order["returns"]) == 1


def test_receiving_a_return_refunds_its_amount_and_restocks_its_units_once(
    table, customer, admin, delivered, fake_provider
):
    asked = ask(customer, delivered.id, [(delivered.shirt, 2)]).data
    before = stock(delivered.shirt), stock(delivered.hat)

    received = receive(admin, delivered.id, asked["id"], {"restock": True})

    assert received.status == 200, received.body
    order = received.data
    [given] = order["returns"]
    assert (given["status"], given["restocked"]) == ("received", True) and given["decidedAt"]
    assert [(r["id"], r["amount"], r["status"], r["reason"]) for r in order["refunds"]] == [
        (given["refundId"], 40, "succeeded", "return_received")
    ]
    assert order["payment"]["status"] == "partially_refunded" and order["payment"]["refundedAmount"] == 40
    assert (stock(delivered.shirt), stock(delivered.hat)) == (before[0] + 2, before[1])
    assert ledger_refunds(fake_provider, delivered.id) == [(Decimal("40"), "succeeded")]

    again = receive(admin, delivered.id, asked["id"], {"restock": True})  # a retry
    assert again.status == 200 and again.data["refunds"] == order["refunds"]
    assert (stock(delivered.shirt), stock(delivered.hat)) == (before[0] + 2, before[1])
    assert ledger_refunds(fake_provider, delivered.id) == [(Decimal("40"), "succeeded")]
    refused = reject(admin, delivered.id, asked["id"])
    assert (refused.status, refused.code) == (409, "INVALID_TRANSITION")


def test_a_return_received_without_restock_is_refunded_and_the_stock_stays(
    table, customer, admin, delivered, fake_provider
):
    asked = ask(customer, delivered.id, [(delivered.hat, 1)]).data
    before = stock(delivered.hat)
    received = receive(admin, delivered.id, asked["id"], {"restock": False})
    assert received.status == 200, received.body
    assert received.data["returns"][0]["restocked"] is False
    assert stock(delivered.hat) == before
    assert ledger_refunds(fake_provider, delivered.id) == [(Decimal("15"), "succeeded")]


def test_a_return_is_refunded_at_most_what_is_left_of_the_charge(table, customer, admin, delivered, fake_provider):
    asked = ask(customer, delivered.id, [(delivered.shirt, 3)]).data  # 60 of the 75 charged
    refunded = invoke("POST", f"/orders/{delivered.id}/refunds", token=admin.token, body={"amount": 70})
    assert refunded.status == 201, refunded.body
    received = receive(admin, delivered.id, asked["id"], {"restock": False})
    assert received.status == 200, received.body
    assert [r["amount"] for r in received.data["refunds"]] == [70, 5]
    assert received.data["payment"]["status"] == "refunded"
    assert sum(amount for amount, _ in ledger_refunds(fake_provider, delivered.id)) == 75


def test_a_rejected_return_keeps_its_reason_and_refunds_nothing(table, customer, admin, delivered, fake_provider):
    asked = ask(customer, delivered.id, [(delivered.hat, 1)]).data
    before = stock(delivered.hat)
    rejected = reject(admin, delivered.id, asked["id"], {"reason": "Worn and washed"})
    assert rejected.status == 200, rejected.body
    [given] = rejected.data["returns"]
    assert (given["status"], given["rejectionReason"]) == ("rejected", "Worn and washed")
    assert "refunds" not in rejected.data
    assert reject(admin, delivered.id, asked["id"], {"reason": "Worn and washed"}).status == 200  # a retry
    refused = receive(admin, delivered.id, asked["id"])
    assert (refused.status, refused.code) == (409, "INVALID_TRANSITION")
    assert stock(delivered.hat) == before and fake_provider.refunds(delivered.id) == []


def test_deciding_a_return_is_for_an_admin_with_the_body_its_action_takes(table, customer, admin, delivered):
    asked = ask(customer, delivered.id, [(delivered.hat, 1)]).data
    path = f"/orders/{delivered.id}/returns/{asked['id']}"
    assert invoke("POST", f"{path}/receive", token=customer.token, body={"restock": True}).status == 403
    for action, body, field in [
        ("receive", {}, "restock"),
        ("receive", {"restock": True, "reason": "x"}, "reason"),
        ("reject", {}, "reason"),
        ("reject", {"reason": "x", "restock": True}, "restock"),
        ("receive", {"restock": "true"}, "restock"),
    ]:
        refused = invoke("POST", f"{path}/{action}", token=admin.token, body=body)
        assert (refused.status, refused.code) == (400, "VALIDATION_ERROR"), (action, body, refused.body)
        assert field in refused.json["details"], refused.body
    unknown = invoke("POST", f"{path}/refund", token=admin.token, body={"restock": True})
    assert (unknown.status, unknown.code) == (404, "NOT_FOUND")
    assert receive(admin, delivered.id, "ret-none").status == 404
    assert receive(admin, "no-such-order", asked["id"]).status == 404
    order = invoke("GET", f"/orders/{delivered.id}", token=customer.token).data
    assert [r["status"] for r in order["returns"]] == ["requested"]


def test_two_admins_receiving_one_return_at_once_give_one_refund_and_one_restock(
    table, customer, admin, delivered, fake_provider
):
    asked = ask(customer, delivered.id, [(delivered.shirt, 3)]).data
    before = stock(delivered.shirt)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: receive(admin, delivered.id, asked["id"]), range(4)))

    assert [a.status for a in answers] == [200] * 4, [a.body for a in answers]
    assert stock(delivered.shirt) == before + 3
    assert ledger_refunds(fake_provider, delivered.id) == [(Decimal("60"), "succeeded")]
    order = invoke("GET", f"/orders/{delivered.id}", token=customer.token).data
    assert [(r["amount"], r["status"]) for r in order["refunds"]] == [(60, "succeeded")]
    assert order["payment"]["refundedAmount"] == 60


def test_a_return_the_provider_could_not_refund_is_settled_once_by_the_sweep(
    table, customer, admin, delivered, fake_provider, monkeypatch
):
    from shop.providers import ProviderUnavailable
    from shop.providers.fake import FakeProvider

    asked = ask(customer, delivered.id, [(delivered.hat, 1)]).data
    real = FakeProvider.refund

    def down(self, request):
        raise ProviderUnavailable("down")

    monkeypatch.setattr(FakeProvider, "refund", down)
    received = receive(admin, delivered.id, asked["id"])
    assert received.status == 200, received.body
    assert [r["status"] for r in received.data["refunds"]] == ["pending"]

    monkeypatch.setattr(FakeProvider, "refund", real)
    sweep = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    invoke_function("expireOrders", sweep)
    invoke_function("expireOrders", sweep)
    order = invoke("GET", f"/orders/{delivered.id}", token=customer.token).data
    assert [r["status"] for r in order["refunds"]] == ["succeeded"]
    assert ledger_refunds(fake_provider, delivered.id) == [(Decimal("15"), "succeeded")]


def test_a_retry_with_the_same_idempotency_key_is_the_same_return_and_another_body_is_refused(
    table, customer, delivered
):
    body = {"items": [{"productId": delivered.shirt, "quantity": 1}], "reason": "Does not fit"}
    headers = {"Idempotency-Key": "return-1"}
    first = invoke("POST", f"/orders/{delivered.id}/returns", token=customer.token, body=body, headers=headers)
    again = invoke("POST", f"/orders/{delivered.id}/returns", token=customer.token, body=body, headers=headers)

    assert (first.status, again.status) == (201, 201), (first.body, again.body)
    assert again.data == first.data
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    other = {**body, "reason": "Changed my mind"}
    reused = invoke("POST", f"/orders/{delivered.id}/returns", token=customer.token, body=other, headers=headers)
    assert (reused.status, reused.json["code"]) == (422, "IDEMPOTENCY_KEY_REUSED"), reused.body
    order = invoke("GET", f"/orders/{delivered.id}", token=customer.token).data
    assert [r["id"] for r in order["returns"]] == [first.data["id"]]  # one return, not two
    without_key = ask(customer, delivered.id, [(delivered.shirt, 1)])
    assert without_key.status == 201 and without_key.data["id"] != first.data["id"]
