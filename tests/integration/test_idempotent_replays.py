"""A retry with the same `Idempotency-Key` answers with the order its key names (docs/API.md):
read strongly consistent, so the retry that comes right after the first request never misses
its order on a replica; and when the key's record or its order cannot be read, the client is
told to retry later (503 with `Retry-After`), never a 500."""

from __future__ import annotations

from tests import factories
from tests.apigw import invoke
from tests.faults import error_response, stale_unless_consistent


def _place(token, product_id, key):
    body = factories.order_body((product_id, 1))
    return invoke("POST", "/orders", body=body, token=token, headers={"Idempotency-Key": key})


def test_a_retry_right_after_the_order_replays_it_even_from_a_replica_behind(table, customer, product, faults):
    lamp = product(stock=5)
    first = _place(customer.token, lamp["id"], "right-after")
    assert first.status == 201, first.body
    faults.fail("GetItem", stale_unless_consistent)

    retry = _place(customer.token, lamp["id"], "right-after")

    assert retry.status == 201, retry.body
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.data == first.data
    faults.heal()
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 4


def test_a_key_whose_record_is_gone_when_the_claim_fails_is_a_503_with_retry_after(table, customer, product, faults):
    lamp = product(stock=5)

    def claim_refused_without_its_record(url):
        # The key's claim failed its condition, and the record had expired by the time it was read.
        reasons = [{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
        reasons += [{"Code": "None"}, {"Code": "None"}]
        return error_response(url, 400, "TransactionCanceledException", CancellationReasons=reasons)

    faults.fail("TransactWriteItems", claim_refused_without_its_record)
    placed = _place(customer.token, lamp["id"], "expired-meanwhile")

    assert placed.status == 503, placed.body
    assert placed.code == "SERVICE_UNAVAILABLE" and int(placed.headers["Retry-After"]) >= 1


def test_a_key_whose_order_cannot_be_read_is_a_503_with_retry_after(table, ddb, customer, product):
    lamp = product(stock=5)
    first = _place(customer.token, lamp["id"], "order-gone")
    assert first.status == 201, first.body
    ddb.delete_item(TableName=table, Key={"id": {"S": first.data["id"]}, "type": {"S": "order"}})

    retry = _place(customer.token, lamp["id"], "order-gone")

    assert retry.status == 503, retry.body
    assert retry.code == "SERVICE_UNAVAILABLE" and int(retry.headers["Retry-After"]) >= 1
