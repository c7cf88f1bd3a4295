"""The payment rules of issue 28 as code, not sweeps: the window, the key's method, what only a
payment may do, amounts the provider cannot take, currencies with their minor units. Through the
real handlers, on moto and on DynamoDB Local."""

from __future__ import annotations

import time

import pytest

from tests import factories
from tests.apigw import invoke
from tests.integration.test_payments import fake_provider, pay, place

pytestmark = pytest.mark.dynamodb_local

__all__ = ["fake_provider"]


@pytest.fixture
def short_window(monkeypatch):
    from shop import config

    monkeypatch.setenv("PAYMENT_WINDOW_SECONDS", "1")
    config.reset()
    yield
    config.reset()


def test_paying_after_the_window_is_409_order_expired_before_any_sweep(
    table, customer, product, fake_provider, short_window
):
    order = place(customer.token, product(price=10)["id"], 1)
    time.sleep(1.1)

    late = pay(customer.token, order["id"])

    assert (late.status, late.code) == (409, "ORDER_EXPIRED"), late.body
    assert fake_provider.charges == []
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "pending"


def test_an_idempotency_key_sent_again_with_another_method_is_422_and_charges_nothing_more(
    table, customer, product, fake_provider
):
    order = place(customer.token, product(price=10)["id"], 1)
    declined = pay(customer.token, order["id"], "pm_card_chargeDeclined", key="k-1")
    assert declined.status == 402
    reused = pay(customer.token, order["id"], "pm_card_visa", key="k-1")
    assert (reused.status, reused.code) == (422, "IDEMPOTENCY_KEY_REUSED"), reused.body
    paid = pay(customer.token, order["id"], "pm_card_visa", key="k-2")
    assert paid.status == 200
    after = pay(customer.token, order["id"], "pm_card_mastercard", key="k-2")
    assert (after.status, after.code) == (422, "IDEMPOTENCY_KEY_REUSED"), after.body
    replay = pay(customer.token, order["id"], "pm_card_visa", key="k-2")
    assert replay.status == 200 and replay.headers.get("Idempotent-Replayed") == "true"
    assert [c.payment_method for c in fake_provider.charges] == ["pm_card_chargeDeclined", "pm_card_visa"]


def test_an_admin_cannot_mark_an_order_paid(table, customer, admin, product):
    order = place(customer.token, product(price=10)["id"], 1)
    refused = invoke("PUT", f"/orders/{order['id']}/status", body={"status": "paid"}, token=admin.token)
    assert (refused.status, refused.code) == (409, "INVALID_TRANSITION"), refused.body
    assert "only a payment" in refused.json["error"]
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "pending"


def test_a_total_the_provider_cannot_charge_is_422_at_order_creation_and_takes_no_stock(table, customer, product):
    item = product(price=500000, stock=5)
    too_much = invoke("POST", "/orders", token=customer.token, body=factories.order_body((item["id"], 2)))
    assert (too_much.status, too_much.code) == (422, "AMOUNT_NOT_CHARGEABLE"), too_much.body
    assert too_much.json["details"] == {"totalAmount": ["At most 999999.99 usd."]}
    assert invoke("GET", f"/products/{item['id']}").data["stock"] == 5
    under = invoke("POST", "/orders", token=customer.token, body=factories.order_body((item["id"], 1)))
    assert under.status == 201 and under.data["totalAmount"] == 500000


def test_a_total_the_provider_cannot_charge_is_422_at_checkout_and_keeps_the_cart(table, customer, product):
    item = product(price=500000, stock=5)
    added = invoke("PUT", f"/cart/items/{item['id']}", token=customer.token, body={"quantity": 2})
    assert added.status in (200, 201), added.body
    refused = invoke("POST", "/checkout", token=customer.token, body={"shippingAddress": factories.ADDRESS})
    assert (refused.status, refused.code) == (422, "AMOUNT_NOT_CHARGEABLE"), refused.body
    assert invoke("GET", "/cart", token=customer.token).data["itemCount"] == 2


@pytest.fixture
def yen(monkeypatch):
    from shop import config

    monkeypatch.setenv("CURRENCY", "jpy")
    config.reset()
    yield
    config.reset()


def test_a_zero_decimal_currency_is_charged_in_whole_units(table, customer, product, yen, fake_provider):
    order = place(customer.token, product(price=1500)["id"], 2)
    paid = pay(customer.token, order["id"])
    assert paid.status == 200, paid.body
    assert [(c.amount_minor, c.currency) for c in fake_provider.succeeded(order["id"])] == [(3000, "jpy")]


@pytest.mark.parametrize("currency", ["xyz", "usdd", "u1d"])
def test_a_currency_whose_minor_unit_is_unknown_stops_the_configuration(monkeypatch, currency):
    from shop import config

    monkeypatch.setenv("CURRENCY", currency)
    config.reset()
    try:
        with pytest.raises(config.ConfigError):
            config.payment_settings()
    finally:
        monkeypatch.delenv("CURRENCY")
        config.reset()


def test_a_card_that_needs_3d_secure_is_202_and_pays_once_approved_at_the_local_bank(
    table, customer, product, fake_provider, monkeypatch
):
    import json as json_

    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from devtools.local_routes import payments as bank
    from tests.integration.test_webhook_and_expiry import WEBHOOK_SECRET

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    from shop import config

    config.reset()
    sent = []
    # the fake's webhook reaches the API through the real handler (make run: over HTTP)
    monkeypatch.setattr(
        bank,
        "send",
        lambda raw, signature: (
            sent.append(invoke("POST", "/payments/webhook", raw_body=raw, headers={"Stripe-Signature": signature}))
            or sent[-1].status
        ),
    )
    approved, declined = (place(customer.token, product(price=10)["id"], 1) for _ in range(2))
    for order, outcome in ((approved, "approve"), (declined, "decline")):
        asked = pay(customer.token, order["id"], "pm_card_authenticationRequired")
        assert asked.status == 202 and asked.data["status"] == "pending", asked.body
        action = asked.data["payment"]["nextAction"]
        assert asked.data["payment"]["status"] == "requires_action" and action["type"] == "redirect_to_url"
        body = json_.dumps({"outcome": outcome})
        environ = EnvironBuilder(path=action["url"], method="POST", data=body, content_type="application/json")
        assert bank.handle(Request(environ.get_environ())).status_code == 200

    assert [r.status for r in sent] == [200, 200]
    paid = invoke("GET", f"/orders/{approved['id']}", token=customer.token).data
    assert paid["status"] == "paid" and "nextAction" not in paid["payment"]
    assert len(fake_provider.succeeded(approved["id"])) == 1
    refused = invoke("GET", f"/orders/{declined['id']}", token=customer.token).data
    assert refused["status"] == "pending" and refused["payment"]["lastDecline"]["reason"] == "authentication_required"
    assert fake_provider.succeeded(declined["id"]) == []


def test_payments_and_refunds_are_counted_as_embedded_metrics(table, customer, admin, product, fake_provider, capfd):
    order = place(customer.token, product(price=10)["id"], 1)
    assert pay(customer.token, order["id"], "pm_card_chargeDeclined").status == 402
    assert pay(customer.token, order["id"], "pm_card_visa").status == 200
    assert invoke("POST", f"/orders/{order['id']}/refunds", token=admin.token, body={"amount": 2}).status == 201

    import json as json_

    lines = [json_.loads(line) for line in capfd.readouterr().out.splitlines() if '"_aws"' in line]
    counted = [
        (m["Name"], line[m["Name"]]) for line in lines for d in line["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    ]
    assert counted == [("PaymentDeclined", [1.0]), ("PaymentSucceeded", [1.0]), ("RefundSucceeded", [1.0])]
    assert all(d["Namespace"] == "ShopApi" for line in lines for d in line["_aws"]["CloudWatchMetrics"])
