"""An order is priced and stocked from the latest write of each product: the storage reads
its lines with a strongly consistent BatchGetItem, so a product created just before the
order cannot be missing because a replica has not applied its write yet. moto is always
consistent; the fault here answers an eventually consistent BatchGetItem as such a replica
would (the keys read, nothing found), the way test_consistent_reads.py does for GetItem."""

from __future__ import annotations

import json

from botocore.awsrequest import AWSResponse

from tests import factories
from tests.apigw import invoke
from tests.faults import RequestFault


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data


def _stale_batch_unless_consistent(request, deliver):
    asked = json.loads(request.body or b"{}").get("RequestItems", {})
    if asked and all(spec.get("ConsistentRead") for spec in asked.values()):
        return deliver()
    body = json.dumps({"Responses": {table: [] for table in asked}, "UnprocessedKeys": {}}).encode()
    return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, _Body(body))


stale_batch_unless_consistent = RequestFault(_stale_batch_unless_consistent)


def test_a_product_created_just_before_the_order_is_found_and_priced(table, customer, product, faults):
    fresh = product(stock=5)
    faults.fail("BatchGetItem", stale_batch_unless_consistent)

    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((fresh["id"], 2)))

    assert placed.status == 201, placed.body
    assert [(line["productId"], line["quantity"]) for line in placed.data["items"]] == [(fresh["id"], 2)]
    assert faults.sent["BatchGetItem"]
    for call in faults.sent["BatchGetItem"]:
        assert all(spec["ConsistentRead"] is True for spec in call["RequestItems"].values())
