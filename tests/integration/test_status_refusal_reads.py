"""Why a status move was refused comes from the order as DynamoDB found it (docs/ORDERS.md):
the refused write returns the item (ALL_OLD), so a refusal costs no read after it; and when
the write found no order at all, the read that says so is consistent, so a replica that
still holds an order deleted meanwhile cannot turn the 404 into a 409."""

from __future__ import annotations

import json

import pytest
from botocore.awsrequest import AWSResponse

from tests import factories
from tests.apigw import invoke
from tests.faults import RequestFault
from tests.integration.conftest import pay_order

MOVES = {
    "update": lambda order_id, admin: invoke(
        "PUT", f"/orders/{order_id}/status", body={"status": "shipped"}, token=admin.token
    ),
    "restock": lambda order_id, admin: invoke("POST", f"/orders/{order_id}/cancel", token=admin.token),
}
WRITE = {"update": "UpdateItem", "restock": "TransactWriteItems"}


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data


def _order_key(order_id):
    return {"id": {"S": order_id}, "type": {"S": "order"}}


@pytest.fixture
def dynamodb_calls(table):
    from shop.storage import storage

    calls: list[str] = []
    events = storage().client.meta.events
    events.register("after-call.dynamodb", lambda model, **_: calls.append(model.name), unique_id="refusal-reads")
    yield calls
    events.unregister("after-call.dynamodb", unique_id="refusal-reads")


@pytest.fixture
def order_id(customer, product):
    placed = invoke("POST", "/orders", body=factories.order_body((product(stock=5)["id"], 2)), token=customer.token)
    assert placed.status == 201, placed.body
    pay_order(customer.token, placed.data["id"])
    return placed.data["id"]


@pytest.mark.parametrize("route", sorted(MOVES))
def test_a_refused_move_reads_nothing_after_its_write(table, ddb, admin, order_id, dynamodb_calls, faults, route):
    def delivered_just_before(request, deliver):  # another admin's moves land first
        ddb.update_item(
            TableName=table,
            Key=_order_key(order_id),
            UpdateExpression="SET #s = :s, version = version + :one",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "delivered"}, ":one": {"N": "1"}},
        )
        return deliver()

    faults.fail(WRITE[route], RequestFault(delivered_just_before), times=1)
    dynamodb_calls.clear()

    refused = MOVES[route](order_id, admin)

    assert refused.status == 409 and refused.code == "INVALID_TRANSITION", refused.body
    assert "delivered" in refused.json["error"]  # decided again on the order the failed write found
    assert dynamodb_calls[-1] == WRITE[route]


@pytest.mark.parametrize("route", sorted(MOVES))
def test_an_order_gone_at_its_write_is_a_404_even_while_a_replica_still_has_it(
    table, ddb, admin, order_id, faults, route
):
    stale = ddb.get_item(TableName=table, Key=_order_key(order_id), ConsistentRead=True)["Item"]

    def deleted_just_before(request, deliver):
        ddb.delete_item(TableName=table, Key=_order_key(order_id))
        return deliver()

    def lagging_replica(request, deliver):
        body = json.loads(request.body)
        if body.get("ConsistentRead") or body["Key"] != _order_key(order_id):
            return deliver()
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _Body(json.dumps({"Item": stale}).encode()))

    faults.fail(WRITE[route], RequestFault(deleted_just_before), times=1)
    faults.fail("GetItem", RequestFault(lagging_replica))

    refused = MOVES[route](order_id, admin)

    assert refused.status == 404, refused.body
    assert (refused.code, refused.json["error"]) == ("NOT_FOUND", "Order not found")
