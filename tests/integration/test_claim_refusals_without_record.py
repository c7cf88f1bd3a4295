"""A claim of an `Idempotency-Key` refused by a cancellation that does not carry the key's
record (the reasons hold no `Item`): storage reads the record itself, consistently, so the
retry is still answered with the order the key names (docs/API.md, `Idempotency-Key`)."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from shop.storage.failures import KeyClaimed
from shop.storage.records import IdempotencyClaim, OrderLine
from tests import factories
from tests.faults import error_response


def _claim_refused_without_its_record(url):
    reasons = [{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    reasons += [{"Code": "None"}, {"Code": "None"}]
    return error_response(url, 400, "TransactionCanceledException", CancellationReasons=reasons)


@pytest.fixture
def store(table):
    from shop.storage import storage

    return storage()


def test_a_refused_claim_without_the_record_names_the_winner_from_a_read(store, product, faults):
    made = product(price=9.99, stock=10)
    line = OrderLine(made["id"], 1, Decimal("9.99"))
    user_id, key = f"u-{uuid.uuid4().hex[:8]}", "key-1"
    claim = IdempotencyClaim(user_id, key, "hash-1", int(time.time()) + 60)
    winner = factories.stored_order(user_id, [line])
    store.orders.create(winner, [line], claim)
    faults.fail("TransactWriteItems", _claim_refused_without_its_record)

    with pytest.raises(KeyClaimed) as claimed:
        store.orders.create(factories.stored_order(user_id, [line]), [line], claim)

    assert claimed.value.record is not None
    assert (claimed.value.record["orderId"], claimed.value.record["requestHash"]) == (winner["id"], "hash-1")
