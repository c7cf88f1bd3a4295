"""What a webhook delivery leaves behind: the event record (docs/DATA_MODEL.md: eventType,
orderId, outcome, a 30-day TTL), the order's payment fields, the warning an operator reads, and
the answers to events that are signed but malformed or that race the order. Through the real
handler, on moto and on DynamoDB Local."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime

import pytest

from tests.apigw import invoke
from tests.faults import stale_unless_consistent
from tests.integration.test_webhook_and_expiry import deliver, event, order_of, place, webhook_secret

pytestmark = pytest.mark.dynamodb_local

__all__ = ["webhook_secret"]  # the fixture, shared with the webhook's own tests

THIRTY_DAYS = 30 * 24 * 3600


def recorded(ddb, table, event_id):
    from boto3.dynamodb.types import TypeDeserializer

    key = {"id": {"S": f"event#{event_id}"}, "type": {"S": "webhook"}}
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    assert item is not None, f"no record of {event_id}"
    return {name: TypeDeserializer().deserialize(value) for name, value in item.items()}


def near(iso, seconds=60):
    return abs(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - time.time()) < seconds


def test_each_event_is_recorded_with_its_type_order_outcome_and_a_thirty_day_ttl(
    table, ddb, customer, product, webhook_secret
):
    order = place(customer.token, product(price=10)["id"], 1)
    paid = event("payment_intent.succeeded", order["id"], 1000)
    unknown = event("payment_intent.succeeded", str(uuid.uuid4()), 1000)
    other = event("customer.created", order["id"], 1000)  # names a real order, but is not handled
    before = int(time.time())
    assert [deliver(e).data["outcome"] for e in (paid, unknown, other)] == ["paid", "unknown_order", "ignored"]
    after = int(time.time())

    expected = {
        paid["id"]: ("payment_intent.succeeded", order["id"], "paid"),
        unknown["id"]: ("payment_intent.succeeded", None, "unknown_order"),
        other["id"]: ("customer.created", None, "ignored"),
    }
    for event_id, (kind, order_id, outcome) in expected.items():
        record = recorded(ddb, table, event_id)
        assert (record["eventType"], record.get("orderId"), record["outcome"]) == (kind, order_id, outcome)
        assert before + THIRTY_DAYS <= record["expiresAt"] <= after + THIRTY_DAYS


def test_a_paid_order_names_stripe_as_its_provider_and_keeps_its_currency(table, customer, product, webhook_secret):
    order = place(customer.token, product(price=10)["id"], 1)
    assert deliver(event("payment_intent.succeeded", order["id"], 1000)).data["outcome"] == "paid"
    payment = order_of(customer.token, order["id"])["payment"]
    assert (payment["provider"], payment["currency"], payment["status"]) == ("stripe", "usd", "succeeded")


@pytest.fixture
def euro_orders(table, monkeypatch):
    from shop import config

    monkeypatch.setenv("CURRENCY", "eur")
    config.reset()
    yield "eur"
    config.reset()


def test_an_order_in_another_currency_is_paid_only_in_that_currency(
    table, customer, product, webhook_secret, euro_orders
):
    order = place(customer.token, product(price=10)["id"], 1)
    assert order["payment"]["currency"] == "eur"
    assert deliver(event("payment_intent.succeeded", order["id"], 1000, "usd")).data["outcome"] == "amount_mismatch"
    assert deliver(event("payment_intent.succeeded", order["id"], 1000, "EUR")).data["outcome"] == "paid"
    assert order_of(customer.token, order["id"])["payment"]["currency"] == "eur"


def declined(order_id, **error):
    failed = event("payment_intent.payment_failed", order_id, 1000)
    failed["data"]["object"]["last_payment_error"] = error
    return failed


def test_a_decline_records_its_reason_time_and_event_and_keeps_the_payment_fields(
    table, customer, product, webhook_secret
):
    order = place(customer.token, product(price=10)["id"], 1)
    failed = declined(order["id"], code="card_declined", decline_code="stolen_card")
    assert deliver(failed).data["outcome"] == "payment_failed"
    payment = order_of(customer.token, order["id"])["payment"]
    assert payment["lastDecline"]["reason"] == "stolen_card"
    assert payment["lastDecline"]["eventId"] == failed["id"]
    assert near(payment["lastDecline"]["at"])
    placed = order["payment"]
    assert {k: payment[k] for k in placed} == placed  # status, amount, currency: still the order's


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ({"code": "card_declined"}, "card_declined"),
        ({"type": "card_error"}, "declined"),
        ({}, "declined"),
        ("card_declined", "declined"),  # not an object: no code to read, and no 500
    ],
)
def test_a_decline_without_a_decline_code_falls_back_to_the_error_code_then_declined(
    table, customer, product, webhook_secret, error, reason
):
    order = place(customer.token, product(price=10)["id"], 1)
    failed = event("payment_intent.payment_failed", order["id"], 1000)
    failed["data"]["object"]["last_payment_error"] = error
    assert deliver(failed).data["outcome"] == "payment_failed"
    assert order_of(customer.token, order["id"])["payment"]["lastDecline"]["reason"] == reason


def test_an_amount_mismatch_warns_with_the_event_and_the_order_and_writes_the_record_alone(
    table, customer, product, webhook_secret, log_lines, faults
):
    order = place(customer.token, product(price=10)["id"], 1)
    wrong = event("payment_intent.succeeded", order["id"], 999)
    faults.recount()
    assert deliver(wrong).data["outcome"] == "amount_mismatch"
    [written] = faults.sent["TransactWriteItems"]
    assert [list(item) for item in written["TransactItems"]] == [["Put"]]  # no write to the order
    warnings = [line for line in map(json.loads, log_lines) if line.get("eventId") == wrong["id"]]
    assert [(w["level"], w.get("orderId")) for w in warnings] == [("WARNING", order["id"])]


@pytest.mark.parametrize(
    "body",
    [
        [{"id": "evt_1", "type": "payment_intent.succeeded"}],
        {"id": 7, "type": "payment_intent.succeeded", "data": {"object": {}}},
        {"id": "evt_" + uuid.uuid4().hex, "type": ["payment_intent.succeeded"]},
        "evt_1",
    ],
    ids=["a list", "a numeric id", "a list as type", "a string"],
)
def test_signed_json_that_is_not_an_event_is_400_not_an_event(table, webhook_secret, body):
    result = deliver(body)
    assert (result.status, result.code) == (400, "INVALID_JSON"), result.body
    assert result.json["error"] == "Not an event"


@pytest.mark.parametrize(
    "data",
    [
        {"object": "pi_123"},
        {"object": ["pi_123"]},
        {"object": {"metadata": {"orderId": 123}}},
        {"object": {"metadata": {"orderId": ""}}},
        {"object": {"metadata": "order-1"}},
        {"object": {"metadata": ["order-1"]}},
        "pi_123",
    ],
    ids=[
        "object a string",
        "object a list",
        "numeric order id",
        "empty order id",
        "metadata a string",
        "metadata a list",
        "data a string",
    ],
)
def test_a_handled_event_without_a_usable_order_id_is_an_unknown_order(table, webhook_secret, data):
    body = {"id": "evt_" + uuid.uuid4().hex, "type": "payment_intent.succeeded", "data": data}
    result = deliver(body)
    assert result.status == 200, result.body
    assert result.data["outcome"] == "unknown_order"


def test_without_a_webhook_secret_the_503_says_when_to_retry(table, monkeypatch):
    from shop import config

    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    config.reset()
    result = deliver(event("payment_intent.succeeded", "x", 1))
    assert result.status == 503
    assert int(result.headers["Retry-After"]) > 0


def test_a_success_right_after_the_order_is_placed_pays_it_though_a_replica_lags(
    table, customer, product, webhook_secret, faults
):
    order = place(customer.token, product(price=10)["id"], 1)
    faults.fail("GetItem", stale_unless_consistent)
    assert deliver(event("payment_intent.succeeded", order["id"], 1000)).data["outcome"] == "paid"
    faults.heal()
    assert order_of(customer.token, order["id"])["status"] == "paid"


def test_a_redelivery_is_answered_from_the_event_record_alone_though_a_replica_lags(
    table, customer, product, webhook_secret, faults
):
    order = place(customer.token, product(price=10)["id"], 1)
    paid = event("payment_intent.succeeded", order["id"], 1000)
    assert deliver(paid).data["outcome"] == "paid"
    faults.fail("GetItem", stale_unless_consistent)
    assert deliver(paid).data["outcome"] == "duplicate"
    assert len(faults.sent["GetItem"]) == 1 and not faults.sent["TransactWriteItems"]


@pytest.fixture
def stale_order_read(table, monkeypatch):
    """`serve(order)`: the next read of that order answers `order`, a copy taken earlier, as if
    the order moved between the webhook's read and its write."""
    from shop.storage.orders import DynamoOrders

    kept: dict[str, dict] = {}
    read = DynamoOrders.get

    def get(self, order_id, consistent=False):
        return kept.pop(order_id, None) or read(self, order_id, consistent)

    monkeypatch.setattr(DynamoOrders, "get", get)
    return lambda order: kept.update({order["id"]: order})


def test_a_success_for_an_order_cancelled_since_it_was_read_is_decided_again_on_the_order_found_and_refunded(
    table, ddb, customer, product, webhook_secret, stale_order_read, faults
):
    from shop.storage import storage

    order = place(customer.token, product(price=10)["id"], 1)
    pending = storage().orders.get(order["id"], consistent=True)
    assert invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token).status == 200
    stale_order_read(pending)
    paid = event("payment_intent.succeeded", order["id"], 1000)
    faults.recount()

    result = deliver(paid)

    assert result.status == 200, result.body
    assert result.data == {"eventId": paid["id"], "type": paid["type"], "outcome": "refunded_not_payable"}
    record = recorded(ddb, table, paid["id"])
    outcome = "refunded_not_payable"
    assert (record["eventType"], record["orderId"], record["outcome"]) == (paid["type"], order["id"], outcome)
    assert int(time.time()) + THIRTY_DAYS - 60 <= record["expiresAt"] <= int(time.time()) + THIRTY_DAYS
    # why the write failed comes with the cancelled transaction: no read of the order after it
    assert [call["Key"]["id"]["S"] for call in faults.sent["GetItem"]] == [f"event#{paid['id']}"]
    cancelled = order_of(customer.token, order["id"])
    assert cancelled["status"] == "cancelled" and [r["reason"] for r in cancelled["refunds"]] == ["order_not_payable"]
    assert deliver(paid).data["outcome"] == "duplicate"


def test_two_deliveries_of_one_event_at_once_pay_once_and_both_answer(
    table, customer, product, webhook_secret, monkeypatch
):
    from shop.storage.payments import DynamoPayments

    order = place(customer.token, product(price=10)["id"], 1)
    paid = event("payment_intent.succeeded", order["id"], 1000)
    assert deliver(paid).data["outcome"] == "paid"
    history = order_of(customer.token, order["id"])["statusHistory"]
    monkeypatch.setattr(DynamoPayments, "event_seen", lambda self, event_id: False)  # both looked before either wrote

    twin = deliver(paid)

    assert twin.status == 200, twin.body
    assert twin.data == {"eventId": paid["id"], "type": paid["type"], "outcome": "duplicate"}
    assert order_of(customer.token, order["id"])["statusHistory"] == history
