"""What processImage writes on the image's record (docs/DATA_MODEL.md, "Product images"):
`{status: ready, createdAt, width, height, readyAt}` or `{status: rejected, reason,
rejectedAt, ...}`, the time being when it was settled; and an upload over 5 MiB that is in
the bucket all the same (the form policy refuses one, but a direct PutObject or a policy of
an older deploy would not) is rejected as `too_large` (docs/API.md), never decoded."""

from __future__ import annotations

from devtools.local_jobs import images as job
from shop.clock import now_iso
from tests import media as m
from tests.apigw import invoke_function
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)

MEDIA_BUCKET = "shop-test-media"
FIVE_MIB = 5 * 1024 * 1024


def _stored(ddb, table, product_id: str, image_id: str) -> dict:
    key = {"id": {"S": product_id}, "type": {"S": "product"}}
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    return item["images"]["M"][image_id]["M"]


def _signed(admin, product_id: str) -> dict:
    return m.start_upload(admin.token, product_id, "image/png").data


def test_a_ready_record_holds_when_it_became_ready(bucket, table, ddb, admin, product):  # noqa: F811
    product_id = product()["id"]
    started = _signed(admin, product_id)
    assert m.post_form(started["upload"], m.png_with_transparency()).status_code == 204
    before = now_iso()
    event = job.s3_event(MEDIA_BUCKET, f"uploads/{product_id}/{started['imageId']}", 100, "etag")
    assert invoke_function("processImage", event) == {"processed": ["ready"]}
    after = now_iso()

    record = _stored(ddb, table, product_id, started["imageId"])
    assert set(record) == {"status", "createdAt", "width", "height", "readyAt"}
    assert record["status"] == {"S": "ready"}
    assert before <= record["readyAt"]["S"] <= after


def test_a_rejected_record_holds_its_reason_and_when_it_was_rejected(bucket, table, ddb, admin, product):  # noqa: F811
    product_id = product()["id"]
    started = _signed(admin, product_id)
    assert m.post_form(started["upload"], b"not an image at all").status_code == 204
    before = now_iso()
    event = job.s3_event(MEDIA_BUCKET, f"uploads/{product_id}/{started['imageId']}", 100, "etag")
    assert invoke_function("processImage", event) == {"processed": ["rejected"]}
    after = now_iso()

    record = _stored(ddb, table, product_id, started["imageId"])
    assert record["status"] == {"S": "rejected"} and record["reason"] == {"S": "not_an_image"}
    assert before <= record["rejectedAt"]["S"] <= after


def test_an_upload_over_5_mib_in_the_bucket_is_rejected_as_too_large_and_deleted(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    started = _signed(admin, product_id)
    key = f"uploads/{product_id}/{started['imageId']}"
    bucket.put_object(Bucket=MEDIA_BUCKET, Key=key, Body=m.png_with_transparency().ljust(FIVE_MIB + 1, b"\0"))

    outcome = invoke_function("processImage", job.s3_event(MEDIA_BUCKET, key, FIVE_MIB + 1, "etag"))

    assert outcome == {"processed": ["rejected"]}
    shown = m.image_of(admin.token, product_id, started["imageId"])
    assert shown.status == 200
    assert shown.data == {"id": started["imageId"], "status": "rejected", "reason": "too_large"}
    assert m.keys_under(f"uploads/{product_id}/") == [] and m.keys_under(f"images/{product_id}/") == []
