"""A write that DynamoDB commits but whose answer is lost (the read times out, botocore
retries the same request): the client still gets the one success it asked for, and the
table holds that write once. The `lost_response` fault delivers the request to the backend
(moto or DynamoDB Local) and then raises a read timeout.

A TransactWriteItems carries a ClientRequestToken, resent unchanged by botocore's retries,
so DynamoDB answers the retry as the same request; where the retry is evaluated again
anyway (moto, or after the token's ten minutes) it fails its conditions on the write it
made itself, and storage recognises that write as its own. Anything a transaction is
cancelled for that is neither a condition nor this request's own write is a 503."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke
from tests.faults import error_response, lost_response
from tests.integration.conftest import pay_order

pytestmark = pytest.mark.dynamodb_local


def items_of(ddb, table, partition: str) -> list[dict]:
    return ddb.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": partition}},
    )["Items"]


def stock_of(product_id: str) -> int:
    return invoke("GET", f"/products/{product_id}").data["stock"]


def assert_one_token_resent(faults) -> None:
    sent = faults.sent["TransactWriteItems"]
    assert len(sent) == 2  # the committed attempt and botocore's retry
    assert sent[0]["ClientRequestToken"] and sent[0]["ClientRequestToken"] == sent[1]["ClientRequestToken"]


@pytest.mark.parametrize("key", [None, "lost-answer"])
def test_an_order_whose_answer_was_lost_is_placed_once_and_answered_201(table, ddb, customer, product, faults, key):
    lamp = product(stock=5)
    faults.fail("TransactWriteItems", lost_response, times=1)
    headers = {"Idempotency-Key": key} if key else None

    placed = invoke(
        "POST", "/orders", body=factories.order_body((lamp["id"], 2)), token=customer.token, headers=headers
    )

    assert placed.status == 201, placed.body
    assert "Idempotent-Replayed" not in placed.headers
    assert_one_token_resent(faults)
    faults.heal()
    assert stock_of(lamp["id"]) == 3
    assert [o["id"]["S"] for o in items_of(ddb, table, f"user#{customer.user_id}")] == [placed.data["id"]]


def test_a_registration_whose_answer_was_lost_is_201_and_the_account_works(table, ddb, faults):
    email = factories.email()
    body = {"email": email, "password": factories.STRONG_PASSWORD, "name": "Lost Answer"}
    faults.fail("TransactWriteItems", lost_response, times=1)

    registered = invoke("POST", "/auth/register", body=body)

    assert registered.status == 201, registered.body
    assert_one_token_resent(faults)
    faults.heal()
    login = invoke("POST", "/auth/login", body={"email": email, "password": factories.STRONG_PASSWORD})
    assert login.status == 200 and login.data["user"]["userId"] == registered.data["user"]["userId"]


def test_a_status_move_whose_answer_was_lost_is_200_and_recorded_once(table, customer, admin, product, faults):
    order = invoke("POST", "/orders", body=factories.order_body((product()["id"], 1)), token=customer.token).data
    pay_order(customer.token, order["id"])
    faults.fail("UpdateItem", lost_response, times=1)

    moved = invoke("PUT", f"/orders/{order['id']}/status", body={"status": "shipped"}, token=admin.token)

    assert moved.status == 200, moved.body
    assert faults.attempts["UpdateItem"] == 2
    faults.heal()
    history = invoke("GET", f"/orders/{order['id']}", token=customer.token).data["statusHistory"]
    assert [step["status"] for step in history] == ["pending", "paid", "shipped"]


def test_a_cancel_whose_answer_was_lost_is_200_and_returns_the_stock_once(table, customer, product, faults):
    lamp = product(stock=5)
    order = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 2)), token=customer.token).data
    faults.fail("TransactWriteItems", lost_response, times=1)

    cancelled = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)

    assert cancelled.status == 200, cancelled.body
    assert_one_token_resent(faults)
    faults.heal()
    assert stock_of(lamp["id"]) == 5
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "cancelled"


def test_a_product_whose_create_answer_was_lost_is_201_and_created_once(table, ddb, admin, faults):
    faults.fail("PutItem", lost_response, times=1)

    created = invoke("POST", "/products", body=factories.product_body(name="Once"), token=admin.token)

    assert created.status == 201, created.body
    assert faults.attempts["PutItem"] == 2
    faults.heal()
    names = [p["name"]["S"] for p in items_of(ddb, table, "product")]
    assert names == ["Once"]


def _cancelled_for(reason: str):
    def fault(url: str):
        reasons = [{"Code": reason, "Message": reason}] * 3
        return error_response(url, 400, "TransactionCanceledException", CancellationReasons=reasons)

    fault.__name__ = f"cancelled_for_{reason}"
    return fault


@pytest.mark.parametrize("reason", ["ValidationError", "None", "ItemCollectionSizeLimitExceeded"])
def test_a_transaction_cancelled_for_anything_else_is_a_503_that_writes_nothing(
    table, ddb, customer, product, faults, reason
):
    lamp = product(stock=5)
    faults.fail("TransactWriteItems", _cancelled_for(reason))

    placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token)
    registered = invoke(
        "POST", "/auth/register", body={"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "Xy"}
    )

    for result in (placed, registered):
        assert result.status == 503, result.body
        assert result.code == "SERVICE_UNAVAILABLE" and int(result.headers["Retry-After"]) >= 1
    faults.heal()
    assert stock_of(lamp["id"]) == 5 and items_of(ddb, table, f"user#{customer.user_id}") == []
