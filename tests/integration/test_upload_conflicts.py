"""Signing an upload writes the product's image set under a version check: a concurrent change
to the set (another upload, an image processed) makes it count again, up to five times, then
a 503 with `Retry-After`; a product deleted meanwhile is a 404."""

from __future__ import annotations

import pytest

from tests import media as m
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)

pytestmark = pytest.mark.usefixtures("bucket")


@pytest.fixture
def image_set_changing(ddb, table, product, before_each_update):
    """A new product whose image set another writer changes before each of the storage's
    writes, `times` times in all: returns the product's id and the changes left."""

    def start(times):
        product_id = product()["id"]
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

        before_each_update(bump)
        return product_id, left

    return start


def test_an_upload_that_meets_a_concurrent_change_counts_again_and_is_signed(admin, image_set_changing):
    product_id, left = image_set_changing(times=2)

    started = m.start_upload(admin.token, product_id)

    assert started.status == 201, started.body
    assert left == [0]
    assert m.image_of(admin.token, product_id, started.data["imageId"]).data["status"] == "processing"


def test_an_upload_that_keeps_meeting_changes_is_a_503_with_retry_after_after_five_tries(admin, image_set_changing):
    product_id, left = image_set_changing(times=99)

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
