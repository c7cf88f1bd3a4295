"""Dedup records sit at the keys docs/DATA_MODEL.md gives them, in both directions: what
this code writes is there, and what is there (written by the release before) is honoured.
A key that drifted would let every webhook replayed across a deploy be applied again and
every order event of the dedup window be mailed twice."""

from __future__ import annotations

import time
import uuid

import pytest

from shop.storage.protocol import WebhookEvent


@pytest.fixture
def store(table):
    from shop.storage import storage

    return storage()


def record_at(ddb, table, item_id, item_type):
    key = {"id": {"S": item_id}, "type": {"S": item_type}}
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def test_a_webhook_event_is_recorded_at_event_hash_its_id(store, ddb, table):
    event_id = "evt_" + uuid.uuid4().hex[:24]
    store.payments.record_event(WebhookEvent(event_id, "charge.refunded", None, "ignored", int(time.time()) + 60))
    found = record_at(ddb, table, f"event#{event_id}", "webhook")
    assert found is not None and found["outcome"] == {"S": "ignored"}


def test_a_webhook_event_recorded_before_a_deploy_is_seen(store, ddb, table):
    event_id = "evt_" + uuid.uuid4().hex[:24]
    item = {"id": {"S": f"event#{event_id}"}, "type": {"S": "webhook"}, "outcome": {"S": "paid"}}
    ddb.put_item(TableName=table, Item=item)
    assert store.payments.event_seen(event_id)
    assert not store.payments.event_seen("evt_" + uuid.uuid4().hex[:24])


def test_an_email_delivery_is_recorded_at_notified_hash_the_event_id(store, ddb, table):
    event_id = uuid.uuid4().hex
    now = int(time.time())
    assert store.notifications.claim(event_id, now, now - 300, now + 60) == "claimed"
    found = record_at(ddb, table, f"notified#{event_id}", "notification")
    assert found is not None and found["state"] == {"S": "sending"}


def test_an_email_sent_before_a_deploy_is_not_sent_again(store, ddb, table):
    event_id = uuid.uuid4().hex
    now = int(time.time())
    item = {"id": {"S": f"notified#{event_id}"}, "type": {"S": "notification"}, "state": {"S": "sent"}}
    ddb.put_item(TableName=table, Item=item)
    assert store.notifications.claim(event_id, now, now - 300, now + 60) == "sent"
