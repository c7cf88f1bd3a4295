"""Cart, checkout, payment, webhook and expiry rules on the in-memory fake storage."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest

from shop.errors import (
    CartEmpty,
    CartFull,
    InvalidSignature,
    InvalidTransition,
    NotFound,
    PaymentDeclined,
    PriceChanged,
    ValidationFailed,
)
from shop.money import NotChargeable, minor_units
from shop.providers.fake import FakeProvider
from shop.services import carts, checkout, expiry, orders, payments, webhooks
from shop.tokens import Caller
from tests import factories
from tests.factories import add_product, caller
from tests.fakes import FakeStorage

ADDRESS = {"shippingAddress": dict(factories.ADDRESS)}


@pytest.fixture
def store():
    return FakeStorage()


def test_minor_units_are_exact_per_currency_and_refuse_fractions():
    assert minor_units(Decimal("19.99"), "usd") == 1999 and minor_units(Decimal("0.10"), "eur") == 10
    assert minor_units(Decimal("1000000"), "usd") == 100000000
    assert minor_units(Decimal("1500"), "jpy") == 1500  # a zero-decimal currency: whole units, never x100
    with pytest.raises(NotChargeable):
        minor_units(Decimal("0.001"), "usd")
    with pytest.raises(NotChargeable):
        minor_units(Decimal("0.5"), "jpy")


def test_a_cart_view_prices_live_and_skips_unavailable_lines_in_the_total(store):
    add_product(store, "lamp", "20.00", stock=1)
    carts.put_line(store, caller(), "lamp", 1)
    add_product(store, "mug", "3.50")
    view = factories.shown(carts.put_line(store, caller(), "mug", 2))
    assert view["totalAmount"] == Decimal("27.00") and view["itemCount"] == 3
    store.products.update("lamp", {"price": Decimal("25.00")}, stock_delta=-1)
    store.products.delete("mug")
    view = factories.shown(carts.get(store, caller()))
    lamp, mug = view["items"]
    assert (lamp["status"], lamp["availableStock"], lamp["lineTotal"]) == ("insufficient_stock", 0, Decimal("25.00"))
    assert (mug["status"], mug["price"], mug["lineTotal"]) == ("unavailable", Decimal("3.50"), Decimal("0"))
    assert view["totalAmount"] == Decimal("25.00")


def test_a_cart_holds_fifty_products(store):
    for n in range(51):
        add_product(store, f"p{n}")
    for n in range(50):
        carts.put_line(store, caller(), f"p{n}", 1)
    with pytest.raises(CartFull):
        carts.put_line(store, caller(), "p50", 1)
    assert len(carts.put_line(store, caller(), "p0", 3).items) == 50


def test_checkout_prices_from_the_catalogue_checks_the_expected_total_and_empties_the_cart(store):
    add_product(store, "lamp", "20.00")
    carts.put_line(store, caller(), "lamp", 2)
    with pytest.raises(PriceChanged) as moved:
        checkout.checkout(store, caller(), {**ADDRESS, "expectedTotal": Decimal("39.99")})
    assert moved.value.details == {"totalAmount": ["The cart's total is now 40.00."]}
    order, replayed = checkout.checkout(store, caller(), {**ADDRESS, "expectedTotal": Decimal("40")}, "k")
    assert not replayed and order["totalAmount"] == Decimal("40.00")
    assert order["payment"] == {"status": "requires_payment", "amount": Decimal("40.00"), "currency": "usd"}
    assert store.carts.get("u1") is None and store.products.get("lamp").stock == 3
    assert checkout.checkout(store, caller(), {**ADDRESS, "expectedTotal": Decimal("40")}, "k") == (order, True)
    with pytest.raises(CartEmpty):
        checkout.checkout(store, caller(), ADDRESS, "other-key")


def test_payments_charge_once_decline_with_a_reason_and_refuse_others_orders(store):
    add_product(store, "lamp", "12.34")
    provider = FakeProvider()
    order, _ = orders.create(store, caller(), {"items": [{"productId": "lamp", "quantity": 1}], **ADDRESS})
    with pytest.raises(NotFound):
        payments.pay(store, caller("u2"), order["id"], {"paymentMethod": "pm_card_visa"}, provider=provider)
    with pytest.raises(PaymentDeclined) as declined:
        payments.pay(store, caller(), order["id"], {"paymentMethod": "pm_card_chargeDeclined"}, provider=provider)
    assert declined.value.details == {"reason": ["card_declined"]}
    with pytest.raises(ValidationFailed):
        payments.pay(store, caller(), order["id"], {"paymentMethod": "pm_card_nope"}, provider=provider)
    paid, replayed = payments.pay(store, caller(), order["id"], {"paymentMethod": "pm_card_visa"}, "k", provider)
    assert paid["status"] == "paid" and not replayed and paid["payment"]["amount"] == Decimal("12.34")
    assert [c.amount_minor for c in provider.succeeded(order["id"])] == [1234]
    assert payments.pay(store, caller(), order["id"], {"paymentMethod": "pm_card_visa"}, "k", provider)[1] is True
    with pytest.raises(InvalidTransition):
        payments.pay(store, caller(), order["id"], {"paymentMethod": "pm_card_visa"}, None, provider)
    assert len(provider.succeeded(order["id"])) == 1


def _signed(secret, body, at=None):
    at = int(time.time()) if at is None else at
    return f"t={at},v1=" + hmac.new(secret.encode(), f"{at}.{body}".encode(), hashlib.sha256).hexdigest()


def test_the_webhook_verifies_then_pays_once(store, monkeypatch):
    from shop import config

    secret = "whsec_unit_" + "x" * 24
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", secret)
    config.reset()
    add_product(store, "lamp", "10.00")
    order, _ = orders.create(store, caller(), {"items": [{"productId": "lamp", "quantity": 1}], **ADDRESS})
    intent = {"id": "pi_1", "amount_received": 1000, "currency": "usd", "metadata": {"orderId": order["id"]}}
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": intent}})
    with pytest.raises(InvalidSignature):
        webhooks.receive(store, body.encode(), _signed("whsec_other_" + "y" * 24, body))
    assert webhooks.receive(store, body.encode(), _signed(secret, body))["outcome"] == "paid"
    assert webhooks.receive(store, body.encode(), _signed(secret, body))["outcome"] == "duplicate"
    assert store.orders.get(order["id"])["status"] == "paid"
    config.reset()


def test_the_sweep_expires_only_pending_orders_past_the_window_and_restocks(store):
    add_product(store, "lamp", stock=5)
    line = {"items": [{"productId": "lamp", "quantity": 2}], **ADDRESS}
    old, _ = orders.create(store, caller(), line)
    paid, _ = orders.create(store, caller(), line)
    payments.pay(store, caller(), paid["id"], {"paymentMethod": "pm_card_visa"}, provider=FakeProvider())
    assert store.products.get("lamp").stock == 1
    assert expiry.sweep(store, now=time.time() + 10).as_dict() == {"expired": 0, "skipped": 0}
    assert expiry.sweep(store, now=time.time() + 1801).as_dict() == {"expired": 1, "skipped": 0}
    assert store.orders.get(old["id"])["status"] == "expired" and store.products.get("lamp").stock == 3
    with pytest.raises(InvalidTransition):
        orders.update_status(store, Caller("admin", "a@example.com", "admin"), old["id"], "paid")


def test_a_refund_is_asked_of_the_provider_it_is_given(store):
    from shop.services import refunds

    add_product(store, "lamp", "12.34")
    provider = FakeProvider()
    order, _ = orders.create(store, caller(), {"items": [{"productId": "lamp", "quantity": 1}], **ADDRESS})
    payments.pay(store, caller(), order["id"], {"paymentMethod": "pm_card_visa"}, provider=provider)
    refund, replayed = refunds.create(store, order["id"], {"amount": Decimal("2.34")}, "k", provider)
    assert (refund["amount"], refund["status"], replayed) == (Decimal("2.34"), "succeeded", False)
    assert [(r["amount"], r["status"]) for r in provider.refunds(order["id"])] == [(Decimal("2.34"), "succeeded")]
