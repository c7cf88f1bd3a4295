"""One charge per order (issue 28): each bug the issue names, staged through the real handlers
with the provider held mid-charge, so the other request lands exactly while a charge is in flight.
On moto and on DynamoDB Local."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.apigw import invoke
from tests.integration.test_order_events import aws, job, path, published
from tests.integration.test_payments import fake_provider, pay, place
from tests.integration.test_webhook_and_expiry import deliver, event, order_of, webhook_secret

pytestmark = pytest.mark.dynamodb_local

__all__ = ["aws", "fake_provider", "path", "webhook_secret"]  # fixtures


class HeldCharge:
    """Charges with `method` wait at the provider until `release` is set; `entered` says one is there."""

    def __init__(self, monkeypatch, method: str = "pm_card_visa"):
        from shop.providers.fake import FakeProvider

        self.entered, self.release = threading.Event(), threading.Event()
        real = FakeProvider.charge

        def charge(provider, charge):
            if charge.payment_method == method and not self.release.is_set():
                self.entered.set()
                assert self.release.wait(20)
            return real(provider, charge)

        monkeypatch.setattr(FakeProvider, "charge", charge)

    def run(self, pay_first, meanwhile):
        """Starts `pay_first` in a thread, runs `meanwhile` while its charge is held, then lets it
        finish: (pay_first's result, meanwhile's result)."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(pay_first)
            try:
                assert self.entered.wait(20), "the first payment never reached the provider"
                during = meanwhile()
            finally:
                self.release.set()
            return first.result(), during


def test_two_cards_at_once_give_one_charge_and_the_second_is_409_payment_in_progress(
    table, customer, product, fake_provider, monkeypatch
):
    order = place(customer.token, product(price=10)["id"], 1)
    held = HeldCharge(monkeypatch)

    visa, mastercard = held.run(
        lambda: pay(customer.token, order["id"], "pm_card_visa"),
        lambda: pay(customer.token, order["id"], "pm_card_mastercard"),
    )

    assert visa.status == 200, visa.body
    assert (mastercard.status, mastercard.code) == (409, "PAYMENT_IN_PROGRESS"), mastercard.body
    assert 1 <= int(mastercard.headers["Retry-After"]) <= 60
    assert [c.payment_method for c in fake_provider.charges] == ["pm_card_visa"]
    assert order_of(customer.token, order["id"])["status"] == "paid"


def test_a_decline_meanwhile_clears_no_other_attempts_marker_so_a_cancel_cannot_strand_the_charge(
    table, customer, product, fake_provider, monkeypatch
):
    lamp = product(price=10, stock=5)
    order = place(customer.token, lamp["id"], 1)
    held = HeldCharge(monkeypatch)

    def meanwhile():
        declined = pay(customer.token, order["id"], "pm_card_chargeDeclined")
        cancel = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
        return declined, cancel

    visa, (declined, cancel) = held.run(lambda: pay(customer.token, order["id"], "pm_card_visa"), meanwhile)

    assert (declined.status, declined.code) == (409, "PAYMENT_IN_PROGRESS"), declined.body
    assert (cancel.status, cancel.code) == (409, "INVALID_TRANSITION"), cancel.body
    assert visa.status == 200, visa.body
    final = order_of(customer.token, order["id"])
    assert final["status"] == "paid" and len(fake_provider.succeeded(order["id"])) == 1
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 4  # sold, not returned


def test_a_failed_payment_webhook_racing_a_new_attempt_leaves_its_marker_in_place(
    table, customer, product, fake_provider, webhook_secret, before_write, monkeypatch
):
    lamp = product(price=10, stock=5)
    order = place(customer.token, lamp["id"], 1)
    held = HeldCharge(monkeypatch)
    late_decline = event("payment_intent.payment_failed", order["id"], 1000)  # an earlier attempt's
    visa_results = []
    pool = ThreadPoolExecutor(max_workers=1)

    def a_new_attempt_begins():  # after the webhook read the order, before its write lands
        visa_results.append(pool.submit(pay, customer.token, order["id"], "pm_card_visa"))
        assert held.entered.wait(20)

    before_write(a_new_attempt_begins)
    try:
        assert deliver(late_decline).status == 200
        cancel = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    finally:
        held.release.set()
        visa = visa_results[0].result()
        pool.shutdown()

    assert (cancel.status, cancel.code) == (409, "INVALID_TRANSITION"), cancel.body
    assert visa.status == 200, visa.body
    final = order_of(customer.token, order["id"])
    assert final["status"] == "paid" and len(fake_provider.succeeded(order["id"])) == 1
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 4


def test_a_decline_and_the_providers_webhook_of_it_are_one_payment_failed_event(
    path, customer, product, webhook_secret, fake_provider
):
    order = place(customer.token, product(price=12.5, stock=10)["id"], 2)
    job.tick()
    published(path)  # order.created

    declined = pay(customer.token, order["id"], "pm_card_chargeDeclined")
    assert declined.status == 402, declined.body
    assert deliver(event("payment_intent.payment_failed", order["id"], 2500)).status == 200
    job.tick()

    assert [e["type"] for e in published(path)] == ["order.payment_failed"]
    assert order_of(customer.token, order["id"])["payment"]["lastDecline"]["reason"] == "card_declined"


def test_a_paid_orders_cancellation_email_names_its_refund_and_an_unpaid_ones_says_nothing_was_charged(
    path, customer, admin, product, fake_provider
):
    from tests.integration.test_order_events import emails

    paid = place(customer.token, product(price=12.5, stock=10)["id"], 2)
    assert pay(customer.token, paid["id"]).status == 200
    assert invoke("POST", f"/orders/{paid['id']}/cancel", token=admin.token).status == 200
    unpaid = place(customer.token, product(price=12.5, stock=10)["id"], 1)
    assert invoke("POST", f"/orders/{unpaid['id']}/cancel", token=customer.token).status == 200
    job.tick()

    cancelled = [m for m in emails(paid["id"]) if m["eventType"] == "order.cancelled"]
    assert len(cancelled) == 1 and "A refund of 25.00 USD is issued" in cancelled[0]["text"]
    assert "Nothing will be charged" not in cancelled[0]["text"]
    [plain] = [m for m in emails(unpaid["id"]) if m["eventType"] == "order.cancelled"]
    assert "Nothing will be charged or shipped" in plain["text"] and "refund" not in plain["text"]
