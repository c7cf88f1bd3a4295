"""A cancel whose transaction DynamoDB will not complete is a 503 with `Retry-After`
(docs/API.md, errors), and nothing moves: cancelled for a reason that is neither a failed
condition nor a conflict, it is not sent again; with a restock that keeps failing its guard
(products vanishing on every plan), it gives up after RESTOCK_ATTEMPTS plans."""

from __future__ import annotations

import pytest

from shop.storage import orders as order_storage
from tests.apigw import invoke
from tests.faults import error_response


def _cancelled_with(*codes: str):
    def fault(url: str):
        reasons = [{"Code": code, "Message": code} for code in codes]
        return error_response(url, 400, "TransactionCanceledException", CancellationReasons=reasons)

    return fault


def _unchanged(customer, order_id, product_id):
    order = invoke("GET", f"/orders/{order_id}", token=customer.token).data
    return order["status"], invoke("GET", f"/products/{product_id}").data["stock"]


@pytest.mark.parametrize("reason", ["ValidationError", "ItemCollectionSizeLimitExceeded"])
def test_a_cancel_cancelled_for_anything_else_is_one_attempt_and_a_503(customer, placed, faults, reason):
    order_id, product_id = placed
    faults.fail("TransactWriteItems", _cancelled_with("None", reason))

    refused = invoke("POST", f"/orders/{order_id}/cancel", token=customer.token)

    assert refused.status == 503 and refused.code == "SERVICE_UNAVAILABLE", refused.body
    assert int(refused.headers["Retry-After"]) >= 1
    assert faults.attempts["TransactWriteItems"] == 1
    faults.heal()
    assert _unchanged(customer, order_id, product_id) == ("pending", 3)


def test_a_restock_that_fails_its_guard_on_every_plan_is_a_503(customer, placed, faults):
    order_id, product_id = placed
    faults.fail("TransactWriteItems", _cancelled_with("None", "ConditionalCheckFailed"))

    refused = invoke("POST", f"/orders/{order_id}/cancel", token=customer.token)

    assert refused.status == 503 and refused.code == "SERVICE_UNAVAILABLE", refused.body
    assert int(refused.headers["Retry-After"]) >= 1
    assert faults.attempts["TransactWriteItems"] == order_storage.RESTOCK_ATTEMPTS
    faults.heal()
    assert _unchanged(customer, order_id, product_id) == ("pending", 3)
