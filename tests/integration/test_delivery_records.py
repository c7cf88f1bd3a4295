"""The delivery record an order email leaves in the table (services.notifications on the
DynamoDB storage, docs/EVENTS.md "Deduplicated per event id"): when it was sent and as which
SES message, when the record expires, and a dead sender's claim taken over once stale."""

from __future__ import annotations

import uuid

import pytest

from shop.services import notifications
from shop.storage import keys, storage

NOW = 1_800_000_000
THIRTY_DAYS = 30 * 24 * 3600  # docs/EVENTS.md: longer than a message lives (4 days + 14 in the DLQ)


class Killed(BaseException):
    """Lambda stopping the sender at its timeout: no handler of the function runs after it."""


class Mailer:
    def __init__(self, die: bool = False):
        self.sent: list[str] = []
        self.die = die

    def send(self, to, subject, text, html, headers):
        if self.die:
            raise Killed()
        self.sent.append(to)
        return f"ses-{uuid.uuid4().hex}"


@pytest.fixture
def customer_id(customer):
    return customer.user_id


def event_for(user_id: str) -> dict:
    return {
        "eventId": str(uuid.uuid4()),
        "type": "order.paid",
        "version": 1,
        "occurredAt": "2026-12-01T10:00:00Z",
        "order": {
            "id": str(uuid.uuid4()),
            "userId": user_id,
            "status": "paid",
            "previousStatus": "pending",
            "totalAmount": "25.00",
            "currency": "usd",
            "items": [{"productId": "p-1", "name": "Lamp", "price": "12.50", "quantity": 2, "lineTotal": "25.00"}],
        },
    }


def record_of(event: dict) -> dict:
    return storage().table.get(keys.notification(event["eventId"]), consistent=True)


def test_a_sent_email_is_recorded_with_its_time_its_ses_message_and_a_thirty_day_ttl(customer_id):
    event, mailer = event_for(customer_id), Mailer()
    assert notifications.notify(storage(), mailer, event, now=NOW) == "sent"

    record = record_of(event)
    assert record["state"] == "sent" and record["sentAt"] == NOW
    assert record["messageId"].startswith("ses-") and len(mailer.sent) == 1
    assert record[keys.TTL_FIELD] == NOW + THIRTY_DAYS


def test_an_event_for_a_deleted_customer_is_recorded_done_with_no_ses_message(table):
    event = event_for("gone")
    assert notifications.notify(storage(), Mailer(), event, now=NOW) == "no-recipient"

    record = record_of(event)
    assert record["state"] == "sent" and record["sentAt"] == NOW and not record.get("messageId")
    assert record[keys.TTL_FIELD] == NOW + THIRTY_DAYS


def test_a_sender_that_died_after_claiming_is_taken_over_once_its_claim_is_stale(customer_id):
    event = event_for(customer_id)
    with pytest.raises(Killed):
        notifications.notify(storage(), Mailer(die=True), event, now=NOW)
    assert record_of(event)["state"] == "sending"

    with pytest.raises(notifications.DeliveryInFlight):
        notifications.notify(storage(), Mailer(), event, now=NOW + notifications.STALE_CLAIM_SECONDS - 1)
    mailer = Mailer()
    later = NOW + notifications.STALE_CLAIM_SECONDS + 1
    assert notifications.notify(storage(), mailer, event, now=later) == "sent"
    assert len(mailer.sent) == 1 and record_of(event)["sentAt"] == later
