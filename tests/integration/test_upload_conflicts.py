"""Signing an upload writes the product's image set under a version check: a concurrent change
to the set (another upload, an image processed) makes it count again, up to five times, then
a 503 with `Retry-After`; a product deleted meanwhile is a 404."""

from __future__ import annotations

import pytest

from tests import media as m
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)

pytestmark = pytest.mark.usefixtures("bucket")


@pytest.fixture
def before_each_update(table):
    """Call `callback` before every UpdateItem the storage sends (the image set's writes)."""
    from shop.storage import storage

    events = storage().client.meta.events
    callbacks = []

    def fire(**kwargs):
        for callback in callbacks:
            callback()

    events.register("before-call.dynamodb.UpdateItem", fire, unique_id="upload-conflict")
    yield callbacks.append
    events.unregister("before-call.dynamodb.UpdateItem", unique_id="upload-conflict")


def _bump(ddb, table, product_id, times):
    """Another writer changes the image set, `times` times in all."""
    left = [times]

    def bump():
        if left[0] > 0:
            left[0] -= 1
            ddb.update_item(
                TableName=table,
                Key={"id": {"S": product_id}, "type": {"S": "product"}},
                UpdateExpression="ADD imagesVersion :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    return bump, left


def test_an_upload_that_meets_a_concurrent_change_counts_again_and_is_signed(
    table,
    ddb,
    admin,
    product,
    before_each_update,
):
    product_id = product()["id"]
    bump, left = _bump(ddb, table, product_id, times=2)
    before_each_update(bump)

    started = m.start_upload(admin.token, product_id)

    assert started.status == 201, started.body
    assert left == [0]
    assert m.image_of(admin.token, product_id, started.data["imageId"]).data["status"] == "processing"


def test_an_upload_that_keeps_meeting_changes_is_a_503_with_retry_after_after_five_tries(
    table,
    ddb,
    admin,
    product,
    before_each_update,
):
    product_id = product()["id"]
    bump, left = _bump(ddb, table, product_id, times=99)
    before_each_update(bump)

    refused = m.start_upload(admin.token, product_id)

    assert refused.status == 503, refused.body
    assert refused.code == "SERVICE_UNAVAILABLE" and int(refused.headers["Retry-After"]) >= 1
    assert 99 - left[0] == 5  # five writes tried, each after a fresh count


def test_a_product_deleted_before_the_write_is_a_404(table, ddb, admin, product, before_each_update):
    product_id = product()["id"]
    gone = []

    def delete_once():
        if not gone:
            gone.append(True)
            ddb.delete_item(TableName=table, Key={"id": {"S": product_id}, "type": {"S": "product"}})

    before_each_update(delete_once)

    refused = m.start_upload(admin.token, product_id)

    assert refused.status == 404, refused.body
    assert refused.code == "PRODUCT_NOT_FOUND"


def test_an_upload_right_after_the_product_is_created_is_signed_even_from_a_replica_behind(admin, product, faults):
    from tests.faults import stale_unless_consistent

    product_id = product()["id"]
    faults.fail("GetItem", stale_unless_consistent)  # the image set is read strongly consistent

    started = m.start_upload(admin.token, product_id)

    assert started.status == 201, started.body
