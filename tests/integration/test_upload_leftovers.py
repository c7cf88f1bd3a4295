"""processImage leaves no file of an image behind when the event finds nothing to process:
a second POST of a form whose image is already settled (the form stays valid for 10 minutes,
and S3 stores every POST), or an event for an image that has no record any more while files
of an earlier run are still in the bucket (a run that timed out after writing its renditions,
retried by Lambda after the image was deleted)."""

from __future__ import annotations

import uuid

from devtools.local_jobs import images as job
from tests import media as m
from tests.apigw import invoke, invoke_function
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)

MEDIA_BUCKET = "shop-test-media"


def _event(product_id: str, image_id: str) -> dict:
    return job.s3_event(MEDIA_BUCKET, f"uploads/{product_id}/{image_id}", 100, "etag")


def test_a_form_posted_again_after_its_image_is_ready_is_deleted_and_changes_nothing(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    started = m.start_upload(admin.token, product_id, "image/png").data
    image_id = started["imageId"]
    png = m.png_with_transparency()
    assert m.post_form(started["upload"], png).status_code == 204
    assert invoke_function("processImage", _event(product_id, image_id)) == {"processed": ["ready"]}
    renditions = {k: m.object_bytes(k) for k in m.keys_under(f"images/{product_id}/{image_id}/")}
    shown = invoke("GET", f"/products/{product_id}").data

    assert m.post_form(started["upload"], m.jpeg_with_gps_and_orientation()).status_code == 204
    assert m.keys_under(f"uploads/{product_id}/") == [f"uploads/{product_id}/{image_id}"]
    assert invoke_function("processImage", _event(product_id, image_id)) == {"processed": ["stale"]}

    assert m.keys_under(f"uploads/{product_id}/") == []
    assert {k: m.object_bytes(k) for k in m.keys_under(f"images/{product_id}/{image_id}/")} == renditions
    assert len(renditions) == 2
    assert invoke("GET", f"/products/{product_id}").data == shown


def test_an_event_for_an_image_without_a_record_removes_its_upload_and_renditions(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    kept = m.upload_and_process(admin.token, product_id, m.png_with_transparency(), "image/png")
    gone = str(uuid.uuid4())  # no record on the product: deleted, or never signed
    left = [f"uploads/{product_id}/{gone}", *(f"images/{product_id}/{gone}/{s}.webp" for s in ("thumb", "large"))]
    for key in left:
        bucket.put_object(Bucket=MEDIA_BUCKET, Key=key, Body=b"left by an earlier run")

    assert invoke_function("processImage", _event(product_id, gone)) == {"processed": ["stale"]}

    assert m.keys_under(f"uploads/{product_id}/") == []
    assert m.keys_under(f"images/{product_id}/") == [
        f"images/{product_id}/{kept}/large.webp",
        f"images/{product_id}/{kept}/thumb.webp",
    ]
    assert [i["id"] for i in invoke("GET", f"/products/{product_id}").data["images"]] == [kept]
