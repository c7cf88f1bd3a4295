"""The fields of an order event as docs/EVENTS.md describes them (its id, when it occurred,
its currency, the order's timestamps), for records as Lambda delivers them, and the one log
line the publisher writes per stream batch."""

from __future__ import annotations

import json
import uuid

from shop.services import order_events
from shop.storage.changes import order_change
from tests.unit.test_order_events import ORDER, moved, record

NO_PAYMENT = {k: v for k, v in ORDER.items() if k != "payment"}  # an order from before issue 12


def event_of(rec: dict, currency: str = "usd") -> dict | None:
    return order_events.event_of(order_change(rec), currency)


class Topic:
    def __init__(self, fail_first: bool = False):
        self.published: list[dict] = []
        self.fail_first = fail_first

    def publish(self, events):
        if self.fail_first:
            self.fail_first = False
            return [0]
        self.published += events
        return []


def test_occurred_at_is_when_the_stream_recorded_the_change_not_the_orders_updated_at():
    paid = moved(ORDER, "paid")  # updatedAt 11:00
    rec = record(paid, ORDER)
    rec["dynamodb"]["ApproximateCreationDateTime"] = 1796122805  # 2026-12-01T11:00:05Z
    assert event_of(rec)["occurredAt"] == "2026-12-01T11:00:05Z"


def test_a_record_without_a_creation_time_occurred_at_the_orders_updated_at():
    rec = record(moved(ORDER, "paid"), ORDER)
    del rec["dynamodb"]["ApproximateCreationDateTime"]
    assert event_of(rec)["occurredAt"] == "2026-12-01T11:00:00Z"


def test_the_event_id_is_a_uuid5_of_the_records_event_id_whatever_its_sequence_number():
    rec = record(moved(ORDER, "paid"), ORDER)
    resequenced = {**rec, "dynamodb": {**rec["dynamodb"], "SequenceNumber": "999"}}
    event_id = event_of(rec)["eventId"]
    assert event_id == str(uuid.uuid5(order_events.EVENT_NAMESPACE, rec["eventID"]))
    assert event_of(resequenced)["eventId"] == event_id


def test_the_currency_is_the_orders_payment_currency_else_the_configured_one():
    in_euros = {**ORDER, "payment": {**ORDER["payment"], "currency": "eur"}}
    assert event_of(record(in_euros))["order"]["currency"] == "eur"
    assert event_of(record(NO_PAYMENT), currency="gbp")["order"]["currency"] == "gbp"


def test_the_configured_currency_reaches_the_events_of_a_stream_batch():
    topic = Topic()
    assert order_events.publish_records([record(NO_PAYMENT)], topic, "gbp") == []
    assert [e["order"]["currency"] for e in topic.published] == ["gbp"]


def test_an_order_without_payment_changing_something_else_is_no_event():
    assert event_of(record({**NO_PAYMENT, "statusHistory": []}, NO_PAYMENT)) is None
    assert event_of(record(moved(NO_PAYMENT, "cancelled"), NO_PAYMENT))["type"] == "order.cancelled"


def test_the_event_carries_the_orders_created_and_updated_times():
    order = event_of(record(moved(ORDER, "paid"), ORDER))["order"]
    assert (order["createdAt"], order["updatedAt"]) == ("2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z")


def test_one_log_line_per_batch_counts_its_records_and_names_the_first_failed(log_lines):
    product = {"id": "p-1", "name": "Lamp", "stock": 3}
    first, second = record(ORDER), record({**ORDER, "id": "o-2"})
    records = [record({**product, "stock": 2}, product, item_type="product"), first, second]

    failed = order_events.publish_records(records, Topic(fail_first=True))
    assert order_events.publish_records(records, Topic()) == []

    assert failed == [first["dynamodb"]["SequenceNumber"]]
    lines = [json.loads(line) for line in log_lines]
    fields = [{k: line.get(k) for k in ("function", "records", "orderChanges", "failedFrom")} for line in lines]
    assert fields == [
        {"function": "publishOrderEvents", "records": 3, "orderChanges": 2, "failedFrom": failed[0]},
        {"function": "publishOrderEvents", "records": 3, "orderChanges": 2, "failedFrom": None},
    ]
