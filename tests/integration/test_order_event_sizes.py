"""SNS takes at most 256 KiB in one PublishBatch (and in one message) (issue 32, defect 7): the
publisher chunks a stream batch's events by size as well as by count. Twelve events of three
50-line orders whose product names are 200 CJK characters (600 bytes each in UTF-8) are about
37 KB each: ten of them are over the limit. SNS's rule is modelled on the publisher's client
(moto does not enforce it): a batch over 256 KiB is refused with BatchRequestTooLong, as SNS does."""

from __future__ import annotations

import pytest
from botocore.awsrequest import AWSResponse

from tests import factories
from tests.apigw import invoke, invoke_function
from tests.integration.conftest import pay_order
from tests.integration.test_order_events import _stream_batch, aws, move, path, published

__all__ = ["aws", "path"]

SNS_BATCH_LIMIT = 256 * 1024


def entry_size(entry: dict) -> int:
    """What SNS counts: the message and each attribute's name, type and value, in bytes."""
    attributes = entry.get("MessageAttributes", {})
    return len(entry["Message"].encode()) + sum(
        len(name.encode()) + len(value["DataType"].encode()) + len(value.get("StringValue", "").encode())
        for name, value in attributes.items()
    )


@pytest.fixture
def sns_size_limit(path):
    """SNS's batch size rule on the publisher's client; yields the sizes of the batches sent."""
    from shop import aws, events_topic

    client = events_topic._sns(aws.region())
    sizes: list[int] = []
    entries: list[list[dict]] = []

    def capture(params, **_):
        entries.append(params["PublishBatchRequestEntries"])

    def refuse_oversize(**_):
        size = sum(entry_size(e) for e in entries.pop())
        sizes.append(size)
        if size > SNS_BATCH_LIMIT:
            error = {"Code": "BatchRequestTooLong", "Message": "The batch request is too long."}
            return AWSResponse("https://sns", 400, {}, None), {
                "Error": error,
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
        return None

    client.meta.events.register("provide-client-params.sns.PublishBatch", capture)
    client.meta.events.register("before-call.sns.PublishBatch", refuse_oversize)
    yield sizes
    client.meta.events.unregister("before-call.sns.PublishBatch", refuse_oversize)
    client.meta.events.unregister("provide-client-params.sns.PublishBatch", capture)


def test_ten_events_of_large_orders_go_out_in_batches_under_256_kib(path, customer, admin, product, sns_size_limit):
    products = [product(name="漢" * 200, price=1, stock=10)["id"] for _ in range(50)]
    orders = []
    for _ in range(3):
        placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body(*((p, 1) for p in products)))
        assert placed.status == 201, placed.body
        orders.append(placed.data["id"])
    for order_id in orders:
        pay_order(customer.token, order_id)  # only a payment marks an order paid
        for status in ("shipped", "delivered"):
            move(admin, order_id, status)
    records: list[dict] = []
    while batch := _stream_batch()["Records"]:  # the stream reads 100 records at a time
        records += batch
    event = {"Records": records}

    result = invoke_function("publishOrderEvents", event)

    assert result == {"batchItemFailures": []}
    events = published(path)
    assert len(events) == 12 and len({e["eventId"] for e in events}) == 12
    assert all(len(e["order"]["items"]) == 50 for e in events)
    assert sns_size_limit and max(sns_size_limit) <= SNS_BATCH_LIMIT
    assert len(sns_size_limit) >= 2  # 12 events of ~37 KB: at least two batches
