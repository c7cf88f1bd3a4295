"""The stripe provider on the official `stripe` library, against a local HTTP stand-in for
Stripe's API (tests/stripe_standin.py; nothing here talks to Stripe). The stand-in checks what
the library sends and answers with Stripe's documented shapes."""

from __future__ import annotations

import pytest

from tests import factories, stripe_standin
from tests.apigw import invoke


@pytest.fixture
def standin(table, monkeypatch):
    from shop import config, providers

    server, state = stripe_standin.serve()
    monkeypatch.setenv("PAYMENT_PROVIDER", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY", stripe_standin.API_KEY)
    monkeypatch.setenv("STRIPE_API_BASE", f"http://127.0.0.1:{server.server_port}")
    config.reset()
    providers.reset()
    yield state
    server.shutdown()
    server.server_close()
    providers.reset()
    config.reset()


def place(token, product_id, quantity):
    placed = invoke("POST", "/orders", token=token, body=factories.order_body((product_id, quantity)))
    assert placed.status == 201, placed.body
    return placed.data


def pay(token, order_id, method, key=None):
    headers = {"Idempotency-Key": key} if key else None
    return invoke("POST", f"/orders/{order_id}/payment", token=token, body={"paymentMethod": method}, headers=headers)


def test_a_payment_creates_one_intent_in_cents_and_confirms_it(table, customer, product, standin):
    order = place(customer.token, product(price=19.99)["id"], 3)
    paid = pay(customer.token, order["id"], "pm_card_visa")
    assert paid.status == 200, paid.body
    create, confirm = standin.requests
    assert create.path == "/v1/payment_intents"
    assert create.form == {
        "amount": ["5997"],  # 3 x 19.99, in cents, from Decimal
        "currency": ["usd"],
        "metadata[orderId]": [order["id"]],
        "payment_method_types[0]": ["card"],
    }
    assert create.headers["authorization"] == f"Bearer {stripe_standin.API_KEY}"
    assert create.headers["idempotency-key"] == f"order-{order['id']}"
    intent_id = paid.data["payment"]["reference"]
    assert intent_id.startswith("pi_") and confirm.path == f"/v1/payment_intents/{intent_id}/confirm"
    assert confirm.form == {"payment_method": ["pm_card_visa"]}
    assert confirm.headers["idempotency-key"].startswith(f"order-{order['id']}-attempt-")  # one key per attempt
    assert paid.data["status"] == "paid" and paid.data["payment"]["provider"] == "stripe"
    assert standin.intents[intent_id]["status"] == "succeeded"


def test_a_decline_is_402_with_stripes_reason_and_another_method_pays_the_same_intent(
    table, customer, product, standin
):
    order = place(customer.token, product(price=5)["id"], 1)
    declined = pay(customer.token, order["id"], "pm_card_chargeDeclinedInsufficientFunds")
    assert (declined.status, declined.code) == (402, "PAYMENT_DECLINED")
    assert declined.json["details"] == {"reason": ["insufficient_funds"]}
    generic = pay(customer.token, order["id"], "pm_card_chargeDeclined")
    assert generic.json["details"] == {"reason": ["generic_decline"]}
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "pending"
    paid = pay(customer.token, order["id"], "pm_card_mastercard")
    assert paid.status == 200
    assert len(standin.intents) == 1  # one PaymentIntent per order, however many attempts
    assert paid.data["payment"]["reference"] == next(iter(standin.intents))


def test_unknown_methods_are_400_and_a_wrong_key_is_503_never_a_default(table, customer, product, standin, monkeypatch):
    from shop import config, providers

    order = place(customer.token, product()["id"], 1)
    unknown = pay(customer.token, order["id"], "pm_nothing_like_it")
    assert (unknown.status, unknown.code) == (400, "VALIDATION_ERROR")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_wrong")
    config.reset()
    providers.reset()
    refused = pay(customer.token, order["id"], "pm_card_visa")
    assert (refused.status, refused.code) == (503, "SERVICE_UNAVAILABLE")
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    config.reset()
    providers.reset()
    before = len(standin.requests)
    assert pay(customer.token, order["id"], "pm_card_visa").status == 503
    assert len(standin.requests) == before  # no key: no call at all
    assert "sk_test" not in refused.body


def test_a_retried_confirm_is_replayed_by_its_idempotency_key_and_charges_once(table, customer, product, standin):
    from shop.providers import Charge, provider

    order = place(customer.token, product(price=12)["id"], 1)
    charge = Charge(order["id"], 1200, "usd", "pm_card_visa", f"order-{order['id']}-pm_card_visa")
    first, second = provider().charge(charge), provider().charge(charge)
    assert first == second and first.succeeded
    assert len(standin.intents) == 1
    confirms = [r for r in standin.requests if r.path.endswith("/confirm")]
    assert len({r.headers["idempotency-key"] for r in confirms}) == 1


def test_a_second_attempt_on_a_paid_intent_charges_nothing_and_answers_that_payment(table, customer, product, standin):
    from shop.providers import Charge, provider

    order = place(customer.token, product(price=12)["id"], 1)
    first = provider().charge(Charge(order["id"], 1200, "usd", "pm_card_visa", f"order-{order['id']}-attempt-a"))
    second = provider().charge(Charge(order["id"], 1200, "usd", "pm_card_mastercard", f"order-{order['id']}-attempt-b"))
    assert first.succeeded and second.succeeded and second.reference == first.reference
    assert len(standin.intents) == 1 and standin.intents[first.reference]["amount_received"] == 1200


def test_refunds_go_to_the_orders_intent_under_their_own_key_partial_full_and_refused(
    table, customer, admin, product, standin
):
    order = place(customer.token, product(price=10)["id"], 1)
    assert (
        invoke(
            "POST", f"/orders/{order['id']}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"}
        ).status
        == 200
    )
    intent_id = next(iter(standin.intents))
    partial = invoke(
        "POST",
        f"/orders/{order['id']}/refunds",
        token=admin.token,
        body={"amount": 4},
        headers={"Idempotency-Key": "rk"},
    )
    assert partial.status == 201 and partial.data["status"] == "succeeded", partial.body
    created = [r for r in standin.requests if r.path == "/v1/refunds"]
    assert created[0].form == {"payment_intent": [intent_id], "amount": ["400"], "metadata[orderId]": [order["id"]]}
    assert created[0].headers["idempotency-key"].startswith(f"refund-{order['id']}-")
    rest = invoke("POST", f"/orders/{order['id']}/cancel", token=admin.token)  # the rest, in full
    assert rest.status == 200 and [r["status"] for r in rest.data["refunds"]] == ["succeeded", "succeeded"]
    assert [r["amount"] for r in standin.refunds.values()] == [400, 600]
    refused = invoke("POST", f"/orders/{order['id']}/refunds", token=admin.token, body={"amount": 1})
    assert (refused.status, refused.code) == (409, "NOTHING_TO_REFUND")  # decided on the order: no call
    assert len([r for r in standin.requests if r.path == "/v1/refunds"]) == 2
