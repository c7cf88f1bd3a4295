"""A later move (paid → shipped, paid → cancelled) whose answer DynamoDB lost: botocore's
retry finds the move already made, and storage must recognise it as its own by the history
entry it appended, the last of three, not the second (docs/API.md: "A retried write happens
once"). The client gets its 200 and the history holds the move once."""

from __future__ import annotations

from tests.apigw import invoke
from tests.faults import lost_response
from tests.integration.conftest import place_paid_order


def _statuses(customer, order_id):
    return [step["status"] for step in invoke("GET", f"/orders/{order_id}", token=customer.token).data["statusHistory"]]


def test_a_shipment_whose_answer_was_lost_is_200_and_recorded_once(table, customer, admin, product, faults):
    order_id = place_paid_order(customer, admin, product(stock=5)["id"])
    faults.fail("UpdateItem", lost_response, times=1)

    shipped = invoke("PUT", f"/orders/{order_id}/status", body={"status": "shipped"}, token=admin.token)

    assert shipped.status == 200, shipped.body
    assert shipped.data["status"] == "shipped"
    assert faults.attempts["UpdateItem"] == 2
    faults.heal()
    assert _statuses(customer, order_id) == ["pending", "paid", "shipped"]


def test_a_paid_orders_cancel_whose_answer_was_lost_is_200_and_restocks_once(table, customer, admin, product, faults):
    lamp = product(stock=5)
    order_id = place_paid_order(customer, admin, lamp["id"])
    faults.fail("TransactWriteItems", lost_response, times=1)

    cancelled = invoke("POST", f"/orders/{order_id}/cancel", token=admin.token)

    assert cancelled.status == 200, cancelled.body
    assert cancelled.data["status"] == "cancelled"
    assert [r["status"] for r in cancelled.data["refunds"]] == ["succeeded"]  # refunded once, in full
    # the cancel whose answer was lost, its retry, then the refund's outcome with its due marker
    assert faults.attempts["TransactWriteItems"] == 3
    faults.heal()
    assert _statuses(customer, order_id) == ["pending", "paid", "cancelled"]
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 5
