"""A `stockDelta` the stock cannot take is told from the write's own answer: the refused
UpdateItem returns the product as it was (ALL_OLD), so the 409 names the stock without
another read of the product; and a product deleted a moment ago is a 404, even while a
replica still holds it (the only read there is strongly consistent)."""

from __future__ import annotations

import json

import pytest

from devtools.request_costs import counting
from tests.apigw import invoke
from tests.faults import RequestFault


def _key_id(params):
    return (params.get("Key") or {}).get("id", {}).get("S")


@pytest.mark.parametrize(
    ("stock", "delta", "code", "message"),
    [
        (2, -5, "OUT_OF_STOCK", "Only 2 in stock; cannot remove 5."),
        (999_999, 2, "STOCK_LIMIT_REACHED", "Stock would exceed 1000000 (it is 999999)."),
    ],
)
def test_a_refused_stock_change_names_the_stock_from_the_write_alone(
    table, admin, product, stock, delta, code, message
):
    from shop.storage import storage

    product_id = product(stock=stock)["id"]
    with counting(storage().client) as log:
        refused = invoke("PUT", f"/products/{product_id}", body={"stockDelta": delta}, token=admin.token)

    assert refused.status == 409, refused.body
    assert refused.code == code and refused.json["details"] == {"stockDelta": [message]}
    assert [call.operation for call in log.calls if _key_id(call.params) == product_id] == ["UpdateItem"]


def test_a_stock_change_on_a_product_just_deleted_is_404_while_a_replica_still_holds_it(
    table, ddb, admin, product, faults
):
    product_id = product(stock=10)["id"]
    key = {"id": {"S": product_id}, "type": {"S": "product"}}
    as_it_was = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert invoke("DELETE", f"/products/{product_id}", token=admin.token).status == 200

    def replica_behind(request, deliver):
        sent = json.loads(request.body or b"{}")
        if sent.get("Key") == key and not sent.get("ConsistentRead"):
            return _answer(request.url, {"Item": as_it_was})  # has not applied the delete yet
        return deliver()

    faults.fail("GetItem", RequestFault(replica_behind))
    result = invoke("PUT", f"/products/{product_id}", body={"stockDelta": -1}, token=admin.token)

    assert result.status == 404, result.body
    assert result.code == "PRODUCT_NOT_FOUND"


def _answer(url, body):
    """A 200 from DynamoDB with this JSON body."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield json.dumps(body).encode()

    return AWSResponse(url, 200, {"Content-Type": "application/x-amz-json-1.0"}, Raw())
