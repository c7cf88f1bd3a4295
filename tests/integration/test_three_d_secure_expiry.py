"""3-D Secure at the end of the payment window (issue 28): an order still awaiting the customer's
authentication when it expires has its payment cancelled at the provider first, so a late approval
at the bank charges nothing; a provider that cannot be reached leaves the order to the next sweep;
a payment that already succeeded is left to its webhook. The stripe provider sends `return_url`
(PAYMENT_RETURN_URL) when it confirms. Through the real handlers, the fake provider's ledger and
the local Stripe stand-in (tests/stripe_standin.py)."""

from __future__ import annotations

import json
import time

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devtools.local_routes import payments as bank
from tests.apigw import invoke, invoke_function
from tests.integration.test_payments import fake_provider, pay, place
from tests.integration.test_stripe_provider import standin

__all__ = ["fake_provider", "standin"]
SWEEP = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
RETURN_URL = "https://shop.example/orders/{orderId}"


def awaiting_authentication(customer, product):
    order = place(customer.token, product(price=10)["id"], 1)
    asked = pay(customer.token, order["id"], "pm_card_authenticationRequired")
    assert asked.status == 202 and asked.data["payment"]["status"] == "requires_action", asked.body
    return order["id"], asked.data["payment"]["nextAction"]["url"]


def window_ends(limits):
    """The payment window is over for every order placed so far."""
    limits(PAYMENT_WINDOW_SECONDS=1)
    time.sleep(1.1)


def status_of(customer, order_id):
    return invoke("GET", f"/orders/{order_id}", token=customer.token).data["status"]


def test_an_expired_orders_payment_awaiting_the_bank_is_cancelled_so_approving_it_charges_nothing(
    table, customer, product, fake_provider, limits
):
    order_id, url = awaiting_authentication(customer, product)
    window_ends(limits)

    assert invoke_function("expireOrders", SWEEP)["expired"] == 1

    assert status_of(customer, order_id) == "expired"
    assert [(e["kind"], e["status"]) for e in fake_provider.ledger() if e["orderId"] == order_id] == [
        ("charge", "canceled")
    ]
    approved = EnvironBuilder(
        path=url, method="POST", data=json.dumps({"outcome": "approve"}), content_type="application/json"
    )
    assert bank.handle(Request(approved.get_environ())).status_code == 404  # no payment awaits the bank
    assert fake_provider.succeeded(order_id) == []


def test_the_stripe_provider_sends_return_url_and_cancels_the_intent_when_the_order_expires(
    table, customer, product, standin, limits
):
    limits(PAYMENT_RETURN_URL=RETURN_URL)
    order_id, url = awaiting_authentication(customer, product)
    [confirm] = [r for r in standin.requests if r.path.endswith("/confirm")]
    assert confirm.form["return_url"] == [f"https://shop.example/orders/{order_id}"]
    [intent] = standin.intents.values()
    assert url == intent["next_action"]["redirect_to_url"]["url"] and intent["status"] == "requires_action"
    window_ends(limits)

    assert invoke_function("expireOrders", SWEEP)["expired"] == 1

    assert status_of(customer, order_id) == "expired"
    assert intent["status"] == "canceled" and intent["cancellation_reason"] == "abandoned"
    [search] = [r for r in standin.requests if r.path.startswith("/v1/payment_intents/search")]
    assert search.form["query"] == [f"metadata['orderId']:'{order_id}'"]
    cancels = [r for r in standin.requests if r.path.endswith("/cancel")]
    assert len(cancels) == 1 and cancels[0].headers["idempotency-key"] == f"cancel-{intent['id']}"


def test_an_order_whose_intent_cannot_be_cancelled_now_expires_at_the_next_sweep(
    table, customer, product, standin, limits, monkeypatch
):
    from shop.providers import ProviderUnavailable
    from shop.providers.stripe_api import StripeProvider

    limits(PAYMENT_RETURN_URL=RETURN_URL)
    order_id, _ = awaiting_authentication(customer, product)
    window_ends(limits)
    real = StripeProvider.release

    def down(self, order):
        raise ProviderUnavailable("down")

    monkeypatch.setattr(StripeProvider, "release", down)
    assert invoke_function("expireOrders", SWEEP) == {"expired": 0, "skipped": 1}
    assert status_of(customer, order_id) == "pending"

    monkeypatch.setattr(StripeProvider, "release", real)
    assert invoke_function("expireOrders", SWEEP)["expired"] == 1
    assert status_of(customer, order_id) == "expired"
    assert [i["status"] for i in standin.intents.values()] == ["canceled"]


def test_an_intent_the_customer_completed_is_left_to_its_webhook_not_expired(table, customer, product, standin, limits):
    limits(PAYMENT_RETURN_URL=RETURN_URL)
    order_id, _ = awaiting_authentication(customer, product)
    [intent] = standin.intents.values()
    intent.update(status="succeeded", amount_received=intent["amount"])  # approved at the bank, webhook on its way
    window_ends(limits)

    assert invoke_function("expireOrders", SWEEP) == {"expired": 0, "skipped": 1}

    assert status_of(customer, order_id) == "pending"
    assert not [r for r in standin.requests if r.path.endswith("/cancel")]


def test_a_return_url_that_is_not_https_is_refused_at_start_up(monkeypatch):
    from shop import config

    monkeypatch.setenv("PAYMENT_RETURN_URL", "http://shop.example/orders/{orderId}")
    config.reset()
    try:
        with pytest.raises(config.ConfigError, match="PAYMENT_RETURN_URL"):
            config.payment_settings()
    finally:
        monkeypatch.delenv("PAYMENT_RETURN_URL")
        config.reset()
