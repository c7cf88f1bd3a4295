"""What each TransactWriteItems attempt carries and when the storage tries again.

Every attempt sends its own ClientRequestToken (a fresh UUID), and botocore's retry of an
attempt whose answer was lost resends that same token, so DynamoDB recognises it for ten
minutes instead of applying the write twice; a token shared by different writes would make
DynamoDB refuse the second one (IdempotentParameterMismatch). A cancellation is retried only
for a conflict or a throttle, and never once some condition failed: the aggregate's own answer
(here a 409) comes at once."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from shop.storage import dynamo
from tests import factories
from tests.apigw import invoke
from tests.faults import error_response, lost_response, transaction_conflict


@pytest.fixture
def no_pauses(monkeypatch):
    monkeypatch.setattr(dynamo, "time", SimpleNamespace(sleep=lambda seconds: None))


def tokens(faults):
    return [body["ClientRequestToken"] for body in faults.sent["TransactWriteItems"]]


def cancelled_for(*codes):
    reasons = [{"Code": code, "Message": code} for code in codes]
    return lambda url: error_response(url, 400, "TransactionCanceledException", CancellationReasons=reasons)


def test_each_attempt_carries_a_fresh_token_and_a_lost_answer_is_retried_with_the_same(
    table, customer, product, faults, no_pauses
):
    lamp = product(stock=5)
    faults.fail("TransactWriteItems", transaction_conflict, times=1)
    first = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 1)))
    conflicted = tokens(faults)
    faults.fail("TransactWriteItems", lost_response, times=1)
    second = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 1)))
    lost = tokens(faults)

    assert (first.status, second.status) == (201, 201)
    assert len(conflicted) == 2 and len(set(conflicted)) == 2  # a new attempt, a new token
    assert len(lost) == 2 and lost[0] == lost[1]  # botocore's retry of the same attempt
    assert len(set(conflicted + lost[:1])) == 3
    assert all(str(uuid.UUID(token)) == token for token in conflicted + lost)


def test_a_condition_that_failed_beside_a_conflict_is_answered_at_once(
    table, ddb, customer, product, faults, no_pauses, before_transaction
):
    lamp = product(stock=5)
    key = {"id": {"S": lamp["id"]}, "type": {"S": "product"}}
    sold_out = {"TableName": table, "Key": key, "UpdateExpression": "SET stock = :z"}
    before_transaction(lambda: ddb.update_item(**sold_out, ExpressionAttributeValues={":z": {"N": "0"}}))
    # [order Put, line Update]: the line's stock condition failed, the order Put met a conflict
    faults.fail("TransactWriteItems", cancelled_for("TransactionConflict", "ConditionalCheckFailed"))

    refused = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 1)))

    assert faults.attempts["TransactWriteItems"] == 1
    assert (refused.status, refused.code) == (409, "OUT_OF_STOCK"), refused.body


def test_a_cancellation_neither_a_conflict_nor_a_condition_is_not_retried(table, customer, product, faults, no_pauses):
    lamp = product(stock=5)
    faults.fail("TransactWriteItems", cancelled_for("None", "ItemCollectionSizeLimitExceeded"))

    refused = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 1)))

    assert faults.attempts["TransactWriteItems"] == 1
    assert (refused.status, refused.code) == (503, "SERVICE_UNAVAILABLE")
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 5
