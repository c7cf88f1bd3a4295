"""What an order item's change means (services.order_events) and how a customer is mailed
once per event (services.notifications), on stream records shaped as Lambda delivers them
and on the in-memory fake storage."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shop import order_emails
from shop.domain.user import Credentials, User
from shop.services import notifications, order_events
from shop.storage.changes import order_change
from shop.storage.dynamo import serialize
from tests.fakes import FakeStorage

ORDER = {
    "id": "0f8e2a8e-8f71-4a5c-9b0e-2a1c3d4e5f60",
    "type": "order",
    "userId": "u-1",
    "status": "pending",
    "items": [
        {
            "productId": "p-1",
            "name": "Desk <Lamp>",
            "price": Decimal("12.50"),
            "quantity": 2,
            "lineTotal": Decimal("25"),
        }
    ],
    "totalAmount": Decimal("25"),
    "shippingAddress": {"street": "1 Main St", "city": "Springfield"},
    "statusHistory": [{"status": "pending", "at": "2026-12-01T10:00:00Z", "by": "u-1"}],
    "payment": {"status": "requires_payment", "amount": Decimal("25"), "currency": "usd"},
    "gsi2pk": "status#pending",
    "createdAt": "2026-12-01T10:00:00Z",
    "updatedAt": "2026-12-01T10:00:00Z",
}


def record(new: dict | None, old: dict | None = None, name: str | None = None, item_type: str = "order") -> dict:
    """A DynamoDB Streams record as Lambda delivers it (NEW_AND_OLD_IMAGES)."""
    change: dict = {
        "ApproximateCreationDateTime": 1796119200,
        "Keys": serialize({"id": (new or old)["id"], "type": item_type}),
        "SequenceNumber": str(uuid.uuid4().int)[:21],
        "SizeBytes": 300,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        change["NewImage"] = serialize({**new, "type": item_type})
    if old is not None:
        change["OldImage"] = serialize({**old, "type": item_type})
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": name or ("INSERT" if old is None else "MODIFY" if new is not None else "REMOVE"),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/shop/stream/2026-12-01T00:00:00.000",
    }


def moved(order: dict, status: str, **also) -> dict:
    return {**order, "status": status, "gsi2pk": f"status#{status}", "updatedAt": "2026-12-01T11:00:00Z", **also}


def event_of(rec: dict) -> dict | None:
    change = order_change(rec)
    return order_events.event_of(change) if change is not None else None


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("pending", "paid", "order.paid"),
        ("pending", "cancelled", "order.cancelled"),
        ("pending", "expired", "order.expired"),
        ("paid", "shipped", "order.shipped"),
        ("paid", "cancelled", "order.cancelled"),
        ("shipped", "delivered", "order.delivered"),
    ],
)
def test_each_lifecycle_move_is_one_event_of_its_type(before, after, expected):
    old = moved(ORDER, before)
    event = event_of(record(moved(old, after), old))
    assert event["type"] == expected
    assert event["order"]["previousStatus"] == before and event["order"]["status"] == after


def test_a_new_order_is_order_created_with_its_summary_and_nothing_private():
    event = event_of(record(ORDER))
    assert event["type"] == "order.created" and event["version"] == 1
    assert event["occurredAt"] == "2026-12-01T10:00:00Z"
    assert event["order"]["totalAmount"] == "25.00" and event["order"]["currency"] == "usd"
    assert event["order"]["items"] == [
        {"productId": "p-1", "name": "Desk <Lamp>", "price": "12.50", "quantity": 2, "lineTotal": "25.00"}
    ]
    assert "shippingAddress" not in event["order"] and "gsi2pk" not in event["order"]


def test_changes_that_are_not_status_changes_are_no_event():
    trimmed = {**ORDER, "statusHistory": []}
    attempting = {**ORDER, "payment": {**ORDER["payment"], "attemptUntil": 1_900_000_000}}
    reindexed = {**ORDER, "gsi1pk": "user#u-1"}
    for new in (trimmed, attempting, reindexed):
        assert event_of(record(new, ORDER)) is None


def test_other_items_removals_and_keys_only_records_are_no_change():
    product = {"id": "p-1", "name": "Lamp", "stock": 3}
    assert order_change(record({**product, "stock": 2}, product, item_type="product")) is None
    assert order_change(record(None, ORDER)) is None  # REMOVE
    keys_only = record(moved(ORDER, "paid"), ORDER)
    del keys_only["dynamodb"]["NewImage"]
    assert order_change(keys_only) is None
    assert event_of(record(moved(ORDER, "paid"))) is None  # inserted already paid: not a creation


def test_a_decline_is_order_payment_failed_once_and_a_second_decline_is_another():
    first = {"reason": "card_declined", "at": "2026-12-01T10:01:00Z"}
    declined = {**ORDER, "payment": {**ORDER["payment"], "lastDecline": first}}
    event = event_of(record(declined, ORDER))
    assert event["type"] == "order.payment_failed"
    assert event["payment"] == {"status": "failed", "reason": "card_declined", "at": "2026-12-01T10:01:00Z"}
    assert event_of(record({**declined, "statusHistory": []}, declined)) is None  # the same decline
    again = {**ORDER, "payment": {**ORDER["payment"], "lastDecline": {**first, "at": "2026-12-01T10:02:00Z"}}}
    assert event_of(record(again, declined))["type"] == "order.payment_failed"


def test_the_event_id_is_the_records_whatever_the_delivery():
    rec = record(moved(ORDER, "paid"), ORDER)
    assert event_of(rec)["eventId"] == event_of(dict(rec))["eventId"]
    assert event_of(rec)["eventId"] != event_of(record(moved(ORDER, "paid"), ORDER))["eventId"]


class Topic:
    def __init__(self, fail_at: int | None = None):
        self.published: list[dict] = []
        self.fail_at = fail_at

    def publish(self, events):
        if self.fail_at is not None and self.fail_at < len(self.published) + len(events):
            index = self.fail_at - len(self.published)
            self.published += events[:index]
            self.fail_at = None
            return [index]
        self.published += events
        return []


def test_publishing_stops_at_the_first_failure_and_names_its_record():
    records = [record(moved(ORDER, "paid", id=str(uuid.uuid4())), {**ORDER, "id": "x"}) for _ in range(14)]
    changes = [order_change(r) for r in records]
    topic = Topic(fail_at=12)
    assert order_events.publish(changes, topic) == [records[12]["dynamodb"]["SequenceNumber"]]
    assert len(topic.published) == 12  # nothing after the failed one went out
    assert order_events.publish(changes[12:], topic) == []


class Mailer:
    def __init__(self, failures: int = 0):
        self.sent: list[tuple] = []
        self.failures = failures

    def send(self, to, subject, text, html, headers):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SES unreachable")
        self.sent.append((to, subject, text, html, headers))
        return f"ses-{len(self.sent)}"


@pytest.fixture
def store():
    store = FakeStorage()
    store.users.create(Credentials(User("u-1", "ada@example.com", "Ada <3", "customer"), "hash"))
    return store


def test_one_email_per_event_id_and_a_failed_send_is_sent_by_the_retry(store):
    event = event_of(record(ORDER))
    mailer = Mailer(failures=1)
    with pytest.raises(ConnectionError):
        notifications.notify(store, mailer, event, now=1000)
    assert notifications.notify(store, mailer, event, now=1001) == "sent"
    assert notifications.notify(store, mailer, event, now=1002) == "duplicate"
    ((to, subject, text, html, headers),) = mailer.sent
    assert to == "ada@example.com" and subject.startswith("We received your order")
    assert "Hello Ada <3," in text and "2 x Desk <Lamp>: 25.00 USD" in text and "Total: 25.00 USD" in text
    assert "Desk &lt;Lamp&gt;" in html and "Ada &lt;3" in html and "<Lamp>" not in html
    assert headers == {
        "X-Shop-Order-Id": ORDER["id"],
        "X-Shop-Event-Type": "order.created",
        "X-Shop-Event-Id": event["eventId"],
    }


def test_a_delivery_in_flight_is_retried_and_a_stale_one_is_taken_over(store):
    event = event_of(record(ORDER))
    store.notifications.claim(event["eventId"], 1000, 0, 99999)  # a sender that died after claiming
    with pytest.raises(notifications.DeliveryInFlight):
        notifications.notify(store, Mailer(), event, now=1000 + notifications.STALE_CLAIM_SECONDS - 1)
    mailer = Mailer()
    assert notifications.notify(store, mailer, event, now=1000 + notifications.STALE_CLAIM_SECONDS + 1) == "sent"
    assert len(mailer.sent) == 1


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {},
        {"eventId": "e", "type": "order.paid"},
        {"eventId": "e", "type": "order.payment_failed", "order": {"id": "o", "userId": "u"}},
    ],
)
def test_a_message_that_is_no_mailed_order_event_fails_every_time(store, body):
    with pytest.raises(notifications.UnusableEvent):
        notifications.notify(store, Mailer(), body, now=1000)


def test_a_deleted_customer_gets_nothing_and_the_event_is_done(store):
    event = event_of(record({**ORDER, "userId": "gone"}))
    mailer = Mailer()
    assert notifications.notify(store, mailer, event, now=1000) == "no-recipient"
    assert notifications.notify(store, mailer, event, now=1001) == "duplicate"
    assert mailer.sent == []


def test_every_mailed_type_has_wording_and_the_filter_policy_lists_exactly_them():
    from devtools import serverless_config

    policy = serverless_config.resource("OrderEmailsSubscription")["FilterPolicy"]["eventType"]
    assert set(policy) == set(order_emails.WORDING) == set(order_events.ALL) - {"order.payment_failed"}
