"""Paying orders through the real handler: the fake provider (Stripe's test method names),
exactly-once charging under concurrency, declines, and who may pay what. On moto and DynamoDB
Local; the stripe provider against the local stand-in for Stripe's API."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import factories
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def fake_provider(table, monkeypatch):
    from shop import config, providers

    monkeypatch.setenv("PAYMENT_PROVIDER", "fake")
    config.reset()
    providers.reset()
    yield providers.provider()
    providers.reset()


def place(token, product_id, quantity=2):
    placed = invoke("POST", "/orders", token=token, body=factories.order_body((product_id, quantity)))
    assert placed.status == 201, placed.body
    return placed.data


def pay(token, order_id, method="pm_card_visa", key=None):
    headers = {"Idempotency-Key": key} if key else None
    return invoke("POST", f"/orders/{order_id}/payment", token=token, body={"paymentMethod": method}, headers=headers)


def test_a_payment_marks_the_order_paid_with_its_payment(table, customer, product, fake_provider):
    order = place(customer.token, product(price=24.5)["id"])
    paid = pay(customer.token, order["id"])
    assert paid.status == 200, paid.body
    assert paid.data["status"] == "paid"
    payment = paid.data["payment"]
    assert {k: payment[k] for k in ("status", "provider", "amount", "currency")} == {
        "status": "succeeded",
        "provider": "fake",
        "amount": 49,
        "currency": "usd",
    }
    assert payment["reference"].startswith("pi_fake_") and payment["paidAt"] >= order["createdAt"]
    assert [c.amount_minor for c in fake_provider.succeeded(order["id"])] == [4900]
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data == paid.data
    assert [h["status"] for h in paid.data["statusHistory"]] == ["pending", "paid"]


def test_a_decline_is_402_keeps_the_order_pending_and_another_method_succeeds(table, customer, product, fake_provider):
    order = place(customer.token, product(price=10)["id"])
    declined = pay(customer.token, order["id"], "pm_card_chargeDeclined")
    assert (declined.status, declined.code) == (402, "PAYMENT_DECLINED")
    assert declined.json["details"] == {"reason": ["card_declined"]}
    broke = pay(customer.token, order["id"], "pm_card_chargeDeclinedInsufficientFunds")
    assert broke.json["details"] == {"reason": ["insufficient_funds"]}
    pending = invoke("GET", f"/orders/{order['id']}", token=customer.token).data
    assert pending["status"] == "pending" and pending["payment"]["lastDecline"]["reason"] == "insufficient_funds"
    assert "attemptUntil" not in pending["payment"]
    paid = pay(customer.token, order["id"], "pm_card_mastercard")
    assert paid.status == 200 and paid.data["status"] == "paid" and "lastDecline" not in paid.data["payment"]
    assert len(fake_provider.succeeded(order["id"])) == 1


def test_unknown_methods_are_400_and_charge_nothing(table, customer, product, fake_provider):
    order = place(customer.token, product()["id"])
    for body in ({"paymentMethod": "pm_card_unknown"}, {"paymentMethod": "visa"}, {}, {"paymentMethod": 4}):
        result = invoke("POST", f"/orders/{order['id']}/payment", token=customer.token, body=body)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), body
        assert "paymentMethod" in result.json["details"]
    assert fake_provider.charges == []


def test_paying_someone_elses_order_is_404_and_a_missing_one_too(
    table, customer, other_customer, admin, product, fake_provider
):
    order = place(customer.token, product()["id"])
    for token in (other_customer.token, admin.token):
        result = pay(token, order["id"])
        assert (result.status, result.code) == (404, "NOT_FOUND")
    assert pay(customer.token, "no-such-order").status == 404
    assert pay(None, order["id"]).status == 401
    assert fake_provider.charges == []


def test_paying_a_cancelled_an_expired_or_a_paid_order_is_409(table, ddb, customer, product, fake_provider):
    from shop.services import expiry
    from shop.storage import storage

    cancelled = place(customer.token, product()["id"])
    invoke("POST", f"/orders/{cancelled['id']}/cancel", token=customer.token)
    expired = place(customer.token, product()["id"])
    assert expiry.sweep(storage(), now=time.time() + 1801).expired == 1
    paid = place(customer.token, product()["id"])
    assert pay(customer.token, paid["id"]).status == 200
    for order in (cancelled, expired, paid):
        result = pay(customer.token, order["id"])
        assert (result.status, result.code) == (409, "INVALID_TRANSITION"), order["id"]
    assert len(fake_provider.charges) == 1


def test_ten_concurrent_payments_charge_once_and_pay_the_order_once(table, customer, product, fake_provider):
    order = place(customer.token, product(price=7.5)["id"])
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: pay(customer.token, order["id"]), range(10)))
    assert len(fake_provider.charges) == 1 and len(fake_provider.succeeded(order["id"])) == 1
    assert {r.status for r in results} <= {200, 409}
    assert [r.status for r in results].count(200) >= 1
    final = invoke("GET", f"/orders/{order['id']}", token=customer.token).data
    assert {r.data["payment"]["reference"] for r in results if r.status == 200} == {final["payment"]["reference"]}
    assert final["status"] == "paid" and [h["status"] for h in final["statusHistory"]] == ["pending", "paid"]


def test_a_retry_with_the_same_key_after_success_replays_without_charging(table, customer, product, fake_provider):
    order = place(customer.token, product()["id"])
    first = pay(customer.token, order["id"], key="pay-1")
    again = pay(customer.token, order["id"], key="pay-1")
    assert (first.status, again.status) == (200, 200) and again.headers.get("Idempotent-Replayed") == "true"
    assert again.data == first.data
    other_key = pay(customer.token, order["id"], key="pay-2")
    assert other_key.status == 409
    assert len(fake_provider.charges) == 1


def test_a_payment_in_flight_holds_off_the_expiry_sweep_and_a_cancel(
    table, customer, product, fake_provider, monkeypatch
):
    """The marker written before the provider is called: while it lasts, the order stays pending,
    so money is never taken for an order that expired or was cancelled during the charge."""
    from shop import config
    from shop.services import expiry, order_writes
    from shop.storage import storage

    monkeypatch.setenv("PAYMENT_WINDOW_SECONDS", "1")
    config.reset()
    lamp = product(stock=5)
    order = place(customer.token, lamp["id"], quantity=1)
    begin = lambda o: o.begin_attempt("a1", "pm_card_visa", None, time.time(), int(time.time()) + 60, 1)  # noqa: E731
    order_writes.apply(storage(), order["id"], begin)
    time.sleep(1.1)
    assert expiry.sweep(storage()).as_dict() == {"expired": 0, "skipped": 1}
    cancel = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    assert (cancel.status, cancel.code) == (409, "INVALID_TRANSITION") and "in progress" in cancel.json["error"]
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "pending"
    # An attempt cut short (the function timed out) stops holding the order once its marker passes.
    assert expiry.sweep(storage(), now=time.time() + 61).expired == 1
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 5
