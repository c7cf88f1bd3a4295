"""An order whose lines change between the catalogue read and the transaction (docs/ORDERS.md):
the transaction refuses it, and the client is told what the pre-check would have told it,
from the product as the refused write found it: `PRICE_CHANGED` with the current price,
`OUT_OF_STOCK` with the stock left, `PRODUCT_NOT_FOUND` for one deleted meanwhile (read
strongly consistent, so a replica that still holds it cannot make it look fine), and a 503
with `Retry-After` for a line that was refused yet reads fine afterwards."""

from __future__ import annotations

import json

from devtools.request_costs import counting
from tests import factories
from tests.apigw import invoke
from tests.faults import RequestFault, error_response


def _key(product_id):
    return {"id": {"S": product_id}, "type": {"S": "product"}}


def _set_number(ddb, table, product_id, attribute, value):
    """Another writer sets one number of the product (between the order's read and its write)."""
    ddb.update_item(
        TableName=table,
        Key=_key(product_id),
        UpdateExpression="SET #a = :v",
        ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": {"N": value}},
    )


def _stock(ddb, table, product_id):
    return int(ddb.get_item(TableName=table, Key=_key(product_id), ConsistentRead=True)["Item"]["stock"]["N"])


def test_a_price_changed_after_the_read_is_a_409_naming_the_new_price(
    table, ddb, customer, product, before_transaction
):
    lamp = product(price=19.99, stock=5)
    before_transaction(lambda: _set_number(ddb, table, lamp["id"], "price", "24.50"))

    placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token)

    assert placed.status == 409, placed.body
    assert placed.code == "PRICE_CHANGED"
    assert placed.json["details"] == {"items.0.price": [f"Price of {lamp['id']} is now 24.50."]}
    assert _stock(ddb, table, lamp["id"]) == 5


def test_stock_taken_after_the_read_is_a_409_told_from_the_refused_write_alone(
    table, ddb, customer, product, before_transaction
):
    from shop.storage import storage

    lamp = product(stock=5)
    before_transaction(lambda: _set_number(ddb, table, lamp["id"], "stock", "1"))

    with counting(storage().client) as log:
        placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 3)), token=customer.token)

    assert placed.status == 409, placed.body
    assert placed.code == "OUT_OF_STOCK"
    assert placed.json["details"] == {"items.0.quantity": [f"Only 1 of {lamp['id']} left in stock."]}
    # The cancellation carries the product as found (ALL_OLD): no read after the write (the
    # GetItem first is the edge's session check of the caller).
    assert log.operations == ["GetItem", "BatchGetItem", "TransactWriteItems"]


def test_a_product_deleted_after_the_read_is_a_404_while_a_replica_still_holds_it(
    table, ddb, customer, product, faults, before_transaction
):
    lamp = product(stock=5)
    as_it_was = ddb.get_item(TableName=table, Key=_key(lamp["id"]), ConsistentRead=True)["Item"]
    before_transaction(lambda: ddb.delete_item(TableName=table, Key=_key(lamp["id"])))

    def replica_behind(request, deliver):
        sent = json.loads(request.body or b"{}")
        if sent.get("Key") == _key(lamp["id"]) and not sent.get("ConsistentRead"):
            return _answer(request.url, {"Item": as_it_was})  # has not applied the delete yet
        return deliver()

    faults.fail("GetItem", RequestFault(replica_behind))
    placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token)

    assert placed.status == 404, placed.body
    assert placed.code == "PRODUCT_NOT_FOUND"
    assert placed.json["details"] == {"items.0.productId": [f"Product {lamp['id']} does not exist."]}


def test_a_line_refused_that_reads_fine_afterwards_is_a_503_with_retry_after(table, customer, product, faults):
    lamp = product(stock=5)

    def line_refused_without_its_item(url):
        # The order's Put passed; the line's condition failed, and no item came back with it.
        reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
        return error_response(url, 400, "TransactionCanceledException", CancellationReasons=reasons)

    faults.fail("TransactWriteItems", line_refused_without_its_item)
    placed = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token)

    assert placed.status == 503, placed.body
    assert placed.code == "SERVICE_UNAVAILABLE" and int(placed.headers["Retry-After"]) >= 1
    faults.heal()
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 5


def _answer(url, body):
    """A 200 from DynamoDB with this JSON body."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield json.dumps(body).encode()

    return AWSResponse(url, 200, {"Content-Type": "application/x-amz-json-1.0"}, Raw())
