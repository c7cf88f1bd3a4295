"""Idempotency records on DynamoDB: read consistently, held through their last second, and
a lost claim answered from the transaction's cancellation (docs/API.md, `Idempotency-Key`:
"a retry with the same key and the same body by the same user returns the same order")."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from shop.storage.failures import KeyClaimed
from shop.storage.records import IdempotencyClaim, OrderLine
from tests import factories
from tests.apigw import invoke
from tests.faults import stale_unless_consistent


@pytest.fixture
def store(table):
    from shop.storage import storage

    return storage()


@pytest.fixture
def sent(store):
    """The DynamoDB operations the storage sends, by name."""
    calls: list[str] = []

    def record(model, **kwargs):
        calls.append(model.name)

    events = store.client.meta.events
    events.register("before-call.dynamodb", record, unique_id="idempotency-records")
    yield calls
    events.unregister("before-call.dynamodb", unique_id="idempotency-records")


def some_lines(product):
    made = product(price=9.99, stock=10)
    return [OrderLine(made["id"], 1, Decimal("9.99"))]


def test_a_retry_after_its_order_took_the_last_unit_replays_even_from_a_stale_replica(table, customer, product, faults):
    body = factories.order_body((product(stock=1)["id"], 1))
    headers = {"Idempotency-Key": "retry-" + uuid.uuid4().hex[:8]}
    placed = invoke("POST", "/orders", token=customer.token, body=body, headers=headers)
    assert placed.status == 201, placed.body
    # A replica that has not applied the claim yet answers every eventually consistent read.
    faults.fail("GetItem", stale_unless_consistent)

    retried = invoke("POST", "/orders", token=customer.token, body=body, headers=headers)

    # Not 409 OUT_OF_STOCK: the stock is gone because this very request already succeeded.
    assert retried.status == 201, retried.body
    assert retried.data["id"] == placed.data["id"]
    assert retried.headers["Idempotent-Replayed"] == "true"


def test_a_claim_lost_to_a_concurrent_twin_names_the_winner_without_another_read(store, product, sent):
    lines = some_lines(product)
    claim = IdempotencyClaim("u-1", "key-1", "hash-1", int(time.time()) + 60)
    winner = factories.stored_order("u-1", lines)
    store.orders.create(winner, lines, claim)
    sent.clear()

    with pytest.raises(KeyClaimed) as claimed:
        store.orders.create(factories.stored_order("u-1", lines), lines, claim)

    assert claimed.value.record["orderId"] == winner["id"]
    # The winner's record comes back with the cancellation (ReturnValuesOnConditionCheckFailure
    # ALL_OLD, the only value besides NONE that DynamoDB accepts there): one round trip.
    assert sent == ["TransactWriteItems"]


def test_a_key_is_held_through_its_last_second(store, product, monkeypatch):
    lines = some_lines(product)
    expires_at = int(time.time()) + 60
    winner = factories.stored_order("u-1", lines)
    store.orders.create(winner, lines, IdempotencyClaim("u-1", "key-1", "hash-1", expires_at))
    monkeypatch.setattr(time, "time", lambda: expires_at + 0.5)

    # In its last second the record is still found, and still cannot be claimed again:
    # the read and the claim's condition (expiresAt < now) agree on the boundary.
    assert store.idempotency.get("u-1", "key-1")["orderId"] == winner["id"]
    with pytest.raises(KeyClaimed):
        store.orders.create(
            factories.stored_order("u-1", lines), lines, IdempotencyClaim("u-1", "key-1", "hash-2", expires_at + 60)
        )

    monkeypatch.setattr(time, "time", lambda: expires_at + 1.0)
    assert store.idempotency.get("u-1", "key-1") is None
