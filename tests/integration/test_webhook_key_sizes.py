"""Signed webhook events whose ids no record can have (issue 32, defect 1): an event id too long
for a DynamoDB key, or empty, is not an event (400, nothing stored); an order id too long for a key
is an unknown order, never a 500. On moto and on DynamoDB Local, which enforce the key size."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.test_webhook_and_expiry import deliver, event, order_of, place, webhook_secret

pytestmark = pytest.mark.dynamodb_local

__all__ = ["webhook_secret"]


def webhook_records(ddb, table):
    """Every webhook record in the (test's own, small) table."""
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]  # the harness may scan
    return [item for item in items if item["type"]["S"] == "webhook"]


@pytest.mark.parametrize(
    "event_id", ["evt_" + "x" * 2040, "evt_" + "é" * 1100, ""], ids=["2,044 chars", "2,204 bytes", "empty"]
)
def test_an_event_id_no_key_can_hold_is_400_and_stores_nothing(table, ddb, customer, product, webhook_secret, event_id):
    order = place(customer.token, product(price=10)["id"], 1)
    result = deliver(event("payment_intent.succeeded", order["id"], 1000, event_id=event_id or None) | {"id": event_id})
    assert (result.status, result.code) == (400, "INVALID_JSON"), result.body
    assert result.json["error"] == "Not an event"
    assert webhook_records(ddb, table) == []
    assert order_of(customer.token, order["id"])["status"] == "pending"


@pytest.mark.parametrize("length", [2049, 5000])
def test_an_order_id_no_key_can_hold_is_an_unknown_order(table, ddb, webhook_secret, length):
    sent = event("payment_intent.succeeded", "o" * length, 1000)
    result = deliver(sent)
    assert result.status == 200, result.body
    assert result.data["outcome"] == "unknown_order"
    [record] = webhook_records(ddb, table)
    assert record["id"]["S"] == "event#" + sent["id"]
    assert "orderId" not in record or record["orderId"] == {"NULL": True}


def test_an_event_id_of_255_characters_is_still_an_event(table, webhook_secret):
    sent = event("customer.created", str(uuid.uuid4()), 1000, event_id="evt_" + "a" * 251)
    result = deliver(sent)
    assert result.status == 200, result.body
    assert result.data["outcome"] == "ignored"


@pytest.mark.parametrize(("offset", "status"), [(400, 400), (301, 400), (250, 200)])
def test_a_timestamp_beyond_the_tolerance_in_the_future_is_refused_like_one_in_the_past(
    table, ddb, webhook_secret, offset, status
):
    """Issue 32, defect 10: 300 s either way; a signature dated ahead is no fresher."""
    import json
    import time

    from tests.integration.test_webhook_and_expiry import signed

    body = json.dumps(event("customer.created", str(uuid.uuid4()), 100))
    result = deliver(None, signature=signed(body, at=int(time.time()) + offset), raw=body)
    assert result.status == status, result.body
    if status == 400:
        assert result.code == "INVALID_SIGNATURE"
        assert webhook_records(ddb, table) == []
