"""The payment webhook (Stripe's signature scheme, checked by the stripe library) and the expiry
sweep, through the real handlers. On moto and on DynamoDB Local."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid

import pytest

from tests import factories
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local

WEBHOOK_SECRET = "whsec_" + secrets.token_hex(24)


@pytest.fixture
def webhook_secret(table, monkeypatch):
    from shop import config

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    config.reset()
    yield WEBHOOK_SECRET
    config.reset()


def signed(body: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Stripe-Signature as Stripe computes it, written out here so the test does not trust the library."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def event(kind, order_id, amount, currency="usd", event_id=None):
    intent = {
        "id": "pi_" + uuid.uuid4().hex[:24],
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if kind == "payment_intent.succeeded" else 0,
        "currency": currency,
        "metadata": {"orderId": order_id},
        "status": "succeeded" if kind == "payment_intent.succeeded" else "requires_payment_method",
        "last_payment_error": {"type": "card_error", "code": "card_declined", "decline_code": "stolen_card"},
    }
    return {
        "id": event_id or "evt_" + uuid.uuid4().hex[:24],
        "object": "event",
        "type": kind,
        "data": {"object": intent},
    }


def deliver(payload, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload)
    headers = {"Stripe-Signature": signature if signature is not None else signed(body)}
    return invoke("POST", "/payments/webhook", raw_body=body, headers=headers)


def place(token, product_id, quantity=2):
    placed = invoke("POST", "/orders", token=token, body=factories.order_body((product_id, quantity)))
    assert placed.status == 201, placed.body
    return placed.data


def order_of(token, order_id):
    return invoke("GET", f"/orders/{order_id}", token=token).data


def test_a_signed_success_marks_the_order_paid_once(table, customer, product, webhook_secret):
    order = place(customer.token, product(price=12.5)["id"])
    succeeded = event("payment_intent.succeeded", order["id"], 2500)
    result = deliver(succeeded)
    assert result.status == 200 and result.data["outcome"] == "paid", result.body
    paid = order_of(customer.token, order["id"])
    assert paid["status"] == "paid" and paid["payment"]["status"] == "succeeded"
    assert paid["payment"]["reference"] == succeeded["data"]["object"]["id"]
    assert paid["payment"]["eventId"] == succeeded["id"]
    replayed = deliver(succeeded)
    assert replayed.status == 200 and replayed.data["outcome"] == "duplicate"
    assert order_of(customer.token, order["id"])["statusHistory"] == paid["statusHistory"]


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "stale timestamp", "tampered body", "no header", "garbage header"],
)
def test_a_signature_that_does_not_verify_is_400_and_changes_nothing(table, customer, product, webhook_secret, tamper):
    order = place(customer.token, product(price=10)["id"], 1)
    body = json.dumps(event("payment_intent.succeeded", order["id"], 1000))
    signature = {
        "wrong secret": signed(body, secret="whsec_" + secrets.token_hex(24)),
        "stale timestamp": signed(body, at=int(time.time()) - 301),
        "tampered body": signed(body),
        "no header": "",
        "garbage header": "t=abc,v1=zz",
    }[tamper]
    raw = body.replace('"amount_received": 1000', '"amount_received": 1001') if tamper == "tampered body" else body
    result = deliver(None, signature=signature, raw=raw)
    assert (result.status, result.code) == (400, "INVALID_SIGNATURE")
    assert order_of(customer.token, order["id"])["status"] == "pending"
    assert WEBHOOK_SECRET not in result.body


def test_a_wrong_amount_or_currency_is_acknowledged_and_leaves_the_order_pending(
    table, customer, product, webhook_secret
):
    order = place(customer.token, product(price=10)["id"], 1)
    for wrong in (
        event("payment_intent.succeeded", order["id"], 999),
        event("payment_intent.succeeded", order["id"], 1000, "eur"),
    ):
        result = deliver(wrong)
        assert result.status == 200 and result.data["outcome"] == "amount_mismatch"
    assert order_of(customer.token, order["id"])["status"] == "pending"


def test_unknown_orders_and_unhandled_types_are_acknowledged_and_change_nothing(
    table, customer, product, webhook_secret
):
    order = place(customer.token, product(price=10)["id"], 1)
    unknown = deliver(event("payment_intent.succeeded", str(uuid.uuid4()), 1000))
    assert unknown.status == 200 and unknown.data["outcome"] == "unknown_order"
    other = event("customer.created", order["id"], 1000)
    ignored = deliver(other)
    assert ignored.status == 200 and ignored.data == {
        "eventId": other["id"],
        "type": "customer.created",
        "outcome": "ignored",
    }
    assert deliver(other).data["outcome"] == "duplicate"
    assert order_of(customer.token, order["id"])["status"] == "pending"
    not_json = deliver(None, raw="not json")
    assert (not_json.status, not_json.code) == (400, "INVALID_JSON")


def test_a_failed_payment_is_recorded_on_the_order_which_stays_pending(table, customer, product, webhook_secret):
    order = place(customer.token, product(price=10)["id"], 1)
    result = deliver(event("payment_intent.payment_failed", order["id"], 1000))
    assert result.status == 200 and result.data["outcome"] == "payment_failed"
    after = order_of(customer.token, order["id"])
    assert after["status"] == "pending" and after["payment"]["lastDecline"]["reason"] == "stolen_card"


def test_a_success_for_a_cancelled_order_is_recorded_with_its_refund_and_a_shipped_one_acknowledged_only(
    table, customer, admin, product, webhook_secret
):
    order = place(customer.token, product(price=10)["id"], 1)
    invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    result = deliver(event("payment_intent.succeeded", order["id"], 1000))
    assert result.status == 200 and result.data["outcome"] == "refunded_not_payable"
    cancelled = order_of(customer.token, order["id"])
    assert cancelled["status"] == "cancelled" and [r["reason"] for r in cancelled["refunds"]] == ["order_not_payable"]
    shipped = place(customer.token, product(price=10)["id"], 1)
    invoke("POST", f"/orders/{shipped['id']}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"})
    invoke("PUT", f"/orders/{shipped['id']}/status", body={"status": "shipped"}, token=admin.token)
    other = deliver(event("payment_intent.succeeded", shipped["id"], 1000))  # another payment: not this order's
    assert other.status == 200 and other.data["outcome"] == "not_pending"
    assert order_of(customer.token, shipped["id"])["status"] == "shipped"


def test_without_a_webhook_secret_the_endpoint_is_503(table, monkeypatch):
    from shop import config

    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    config.reset()
    result = deliver(event("payment_intent.succeeded", "x", 1))
    assert (result.status, result.code) == (503, "SERVICE_UNAVAILABLE")


# ---- expiry ----------------------------------------------------------------------------


@pytest.fixture
def short_window(table, monkeypatch):
    from shop import config

    monkeypatch.setenv("PAYMENT_WINDOW_SECONDS", "1")
    config.reset()
    yield 1
    config.reset()


def sweep(now=None):
    from shop.services import expiry
    from shop.storage import storage

    return expiry.sweep(storage(), now=now).as_dict()


def stock_of(product_id):
    return invoke("GET", f"/products/{product_id}").data["stock"]


def test_an_order_past_the_window_expires_and_its_stock_returns(table, customer, product, short_window):
    lamp = product(stock=5)
    old = place(customer.token, lamp["id"], 2)
    time.sleep(1.1)
    fresh = place(customer.token, lamp["id"], 1)
    assert sweep() == {"expired": 1, "skipped": 0}
    assert order_of(customer.token, old["id"])["status"] == "expired"
    assert order_of(customer.token, fresh["id"])["status"] == "pending"
    assert stock_of(lamp["id"]) == 4
    assert sweep() == {"expired": 0, "skipped": 0}
    assert stock_of(lamp["id"]) == 4
    history = order_of(customer.token, old["id"])["statusHistory"]
    assert [(h["status"], h["by"]) for h in history] == [("pending", "customer"), ("expired", "system")]


def test_a_paid_order_is_never_expired(table, customer, product, short_window, monkeypatch):
    from shop import config

    monkeypatch.setenv("PAYMENT_WINDOW_SECONDS", "3")  # time to pay it (a late payment is ORDER_EXPIRED)
    config.reset()
    lamp = product(stock=5)
    order = place(customer.token, lamp["id"], 2)
    assert (
        invoke(
            "POST", f"/orders/{order['id']}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"}
        ).status
        == 200
    )
    time.sleep(3.1)
    assert sweep() == {"expired": 0, "skipped": 0}
    assert order_of(customer.token, order["id"])["status"] == "paid" and stock_of(lamp["id"]) == 3


def test_overlapping_sweeps_expire_each_order_and_return_its_stock_exactly_once(table, customer, product, short_window):
    lamp = product(stock=100)
    orders = [place(customer.token, lamp["id"], 3) for _ in range(12)]
    time.sleep(1.1)
    results = []
    threads = [threading.Thread(target=lambda: results.append(sweep())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A sweep whose conditional write lost counts the order as expired only when the winner's
    # history entry is its own to the millisecond (storage.orders._moved_by); the stock is the proof.
    assert sum(r["expired"] for r in results) >= 12
    assert stock_of(lamp["id"]) == 100
    assert {order_of(customer.token, o["id"])["status"] for o in orders} == {"expired"}


def test_a_cancel_racing_the_sweep_leaves_one_consistent_outcome(table, customer, product, short_window):
    lamp = product(stock=50)
    orders = [place(customer.token, lamp["id"], 2) for _ in range(8)]
    time.sleep(1.1)
    cancels = {}

    def cancel_all():
        for order in orders:
            cancels[order["id"]] = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token).status

    swept = []
    threads = [threading.Thread(target=cancel_all), threading.Thread(target=lambda: swept.append(sweep()))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = {o["id"]: order_of(customer.token, o["id"])["status"] for o in orders}
    assert set(statuses.values()) <= {"cancelled", "expired"}
    for order_id, status in statuses.items():
        assert (cancels[order_id] == 200) == (status == "cancelled"), (order_id, cancels[order_id], status)
    assert swept[0]["expired"] == list(statuses.values()).count("expired")
    assert stock_of(lamp["id"]) == 50  # every order's stock came back once, whoever won


def test_the_sweep_reads_only_old_pending_orders_and_pages(table, customer, product, short_window, monkeypatch):
    from devtools.request_costs import counting
    from shop.services import expiry
    from shop.storage import storage

    lamp = product(stock=100)
    old = [place(customer.token, lamp["id"], 1) for _ in range(5)]
    paid = place(customer.token, lamp["id"], 1)
    invoke("POST", f"/orders/{paid['id']}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"})
    time.sleep(1.1)
    for _ in range(4):
        place(customer.token, lamp["id"], 1)  # inside the window
    monkeypatch.setattr(expiry, "PAGE_SIZE", 2)
    with counting(storage().client) as log:
        assert sweep() == {"expired": 5, "skipped": 0}
    queries = [op for op in log.operations if op == "Query"]
    assert len(queries) == 3 + 1  # 5 candidates, 2 a page; then the one partition of refunds due
    assert log.operations.count("TransactWriteItems") == 5
    assert {order_of(customer.token, o["id"])["status"] for o in old} == {"expired"}


def test_the_scheduled_function_and_the_local_job_run_the_same_sweep(
    table, customer, product, short_window, monkeypatch
):
    from devtools.local_jobs import expiry_sweep
    from shop.handlers import expire_orders

    lamp = product(stock=5)
    first, second = place(customer.token, lamp["id"], 1), None
    time.sleep(1.1)
    scheduled = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events"}
    from tests import iam

    with iam.acting_as("expireOrders"):
        assert expire_orders.handler(scheduled, None) == {"expired": 1, "skipped": 0}
    second = place(customer.token, lamp["id"], 1)
    time.sleep(1.1)
    expiry_sweep.tick()
    assert order_of(customer.token, second["id"])["status"] == "expired"
    assert order_of(customer.token, first["id"])["status"] == "expired"
    assert expiry_sweep.NAME == "expiry-sweep" and expiry_sweep.interval_seconds() == 30
    monkeypatch.setenv("EXPIRY_SWEEP_SECONDS", "2")
    assert expiry_sweep.interval_seconds() == 2
