"""Dedup records sit at the keys docs/DATA_MODEL.md gives them, in both directions: what
this code writes is there, and what is there (written by the release before) is honoured.
A key that drifted would let every webhook replayed across a deploy be applied again and
every order event of the dedup window be mailed twice."""

from __future__ import annotations

import time
import uuid

import pytest

from shop.storage.records import WebhookEvent
from tests import factories
from tests.apigw import invoke


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


def test_the_records_a_shopper_makes_sit_at_their_documented_keys(table, ddb, customer, product):
    lamp = product(category="Desk Lamps", stock=5)
    assert invoke("PUT", f"/cart/items/{lamp['id']}", body={"quantity": 1}, token=customer.token).status < 300
    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 1)))
    assert placed.status == 201, placed.body
    refused = invoke("POST", "/auth/login", body={"email": customer.email, "password": "Wrong-Password-1"})
    assert refused.status == 401

    guard = record_at(ddb, table, f"email#{customer.email.lower()}", "email")
    assert guard is not None and guard["userId"] == {"S": customer.user_id}
    assert record_at(ddb, table, f"cart#{customer.user_id}", "cart") is not None
    assert record_at(ddb, table, f"login#{customer.email.lower()}", "throttle") is not None
    item = record_at(ddb, table, lamp["id"], "product")
    assert item["gsi1pk"] == {"S": "product"} and item["gsi2pk"] == {"S": "category#desk lamps"}
    assert item["gsi1sk"] == {"S": f"{lamp['createdAt']}#{lamp['id']}"}
    order = record_at(ddb, table, placed.data["id"], "order")
    assert order["gsi1pk"] == {"S": f"user#{customer.user_id}"}
    assert order["gsi2pk"] == {"S": "status#pending"}
    assert order["gsi3pk"] == {"S": f"user#{customer.user_id}#status#pending"}
    assert order["gsi3sk"] == {"S": f"{placed.data['createdAt']}#{placed.data['id']}"}
