"""Status moves that cannot happen, and what the client is told (docs/API.md, docs/ORDERS.md):
a move the lifecycle does not allow names both statuses; a move that lost a race to another
names the status the order has now; a cancel while a payment attempt is in flight is refused
(it could strand a charge) and says to try again; an order gone meanwhile is a 404. The order
and its stock stay as they were."""

from __future__ import annotations

import time

import pytest

from tests.apigw import invoke


def _order_key(order_id):
    return {"id": {"S": order_id}, "type": {"S": "order"}}


def _status_and_stock(customer, order_id, product_id):
    order = invoke("GET", f"/orders/{order_id}", token=customer.token).data
    return order["status"], invoke("GET", f"/products/{product_id}").data["stock"]


def test_a_move_the_lifecycle_does_not_allow_names_both_statuses(customer, admin, placed):
    order_id, product_id = placed

    refused = invoke("PUT", f"/orders/{order_id}/status", body={"status": "shipped"}, token=admin.token)

    assert refused.status == 409, refused.body
    assert refused.code == "INVALID_TRANSITION"
    assert refused.json["error"] == "Order is pending; it cannot become shipped"
    assert _status_and_stock(customer, order_id, product_id) == ("pending", 3)


@pytest.mark.parametrize("move", ["cancelled"])
def test_a_move_that_lost_a_race_names_the_status_the_order_has_now(
    table, ddb, customer, admin, placed, before_write, move
):
    order_id, product_id = placed
    before_write(
        lambda: ddb.update_item(
            TableName=table,
            Key=_order_key(order_id),
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "expired"}},
        )
    )

    refused = invoke("PUT", f"/orders/{order_id}/status", body={"status": move}, token=admin.token)

    assert refused.status == 409, refused.body
    assert refused.code == "INVALID_TRANSITION"
    assert refused.json["error"] == "Order is expired; it cannot become cancelled"  # decided on the order found
    assert _status_and_stock(customer, order_id, product_id) == ("expired", 3)


@pytest.mark.parametrize("route", ["cancel", "status"])
def test_a_cancel_while_a_payment_attempt_is_in_flight_is_refused_until_it_ends(
    table, ddb, customer, admin, placed, route
):
    order_id, product_id = placed
    ddb.update_item(
        TableName=table,
        Key=_order_key(order_id),
        UpdateExpression="SET payment.attemptUntil = :until",
        ExpressionAttributeValues={":until": {"N": str(int(time.time()) + 60)}},
    )

    if route == "cancel":
        refused = invoke("POST", f"/orders/{order_id}/cancel", token=customer.token)
    else:
        refused = invoke("PUT", f"/orders/{order_id}/status", body={"status": "cancelled"}, token=admin.token)

    assert refused.status == 409, refused.body
    assert refused.code == "INVALID_TRANSITION"
    assert refused.json["error"] == "A payment of this order is in progress; try again shortly"
    assert _status_and_stock(customer, order_id, product_id) == ("pending", 3)


def test_an_order_gone_before_its_move_is_a_404(table, ddb, admin, placed, before_write):
    order_id, _ = placed
    before_write(lambda: ddb.delete_item(TableName=table, Key=_order_key(order_id)))

    refused = invoke("PUT", f"/orders/{order_id}/status", body={"status": "cancelled"}, token=admin.token)

    assert refused.status == 404, refused.body
    assert (refused.code, refused.json["error"]) == ("NOT_FOUND", "Order not found")
