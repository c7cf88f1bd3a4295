"""What a lost race costs when an upload is signed (docs/DATA_MODEL.md, "start an image
upload"): the refused write of the image set answers with the item as it was (ALL_OLD), so
it is told apart from a deleted product without a read of its own; the only extra read is the
recount that the next attempt starts with."""

from __future__ import annotations

from devtools.request_costs import counting
from tests import media as m
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)


def test_an_upload_that_loses_one_race_reads_once_more_and_writes_again(bucket, table, ddb, admin, product):  # noqa: F811
    from shop.storage import storage

    product_id = product()["id"]
    client = storage().client
    bumped = []

    def another_writer_first(**kwargs):
        if not bumped:
            bumped.append(True)
            ddb.update_item(
                TableName=table,
                Key={"id": {"S": product_id}, "type": {"S": "product"}},
                UpdateExpression="ADD imagesVersion :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    client.meta.events.register("before-call.dynamodb.UpdateItem", another_writer_first, unique_id="race-cost")
    try:
        with counting(client) as log:
            started = m.start_upload(admin.token, product_id)
    finally:
        client.meta.events.unregister("before-call.dynamodb.UpdateItem", unique_id="race-cost")

    assert started.status == 201, started.body
    assert bumped == [True]
    on_product = [c.operation for c in log.calls if (c.params.get("Key") or {}).get("id") == {"S": product_id}]
    assert on_product == ["GetItem", "UpdateItem", "GetItem", "UpdateItem"]
