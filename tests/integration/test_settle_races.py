"""Two runs of processImage for the same upload (S3 may deliver an event twice, at once): the
one whose write comes second finds the image already settled, keeps the renditions both
wrote (the same keys, the same content) and answers like the first; nothing is deleted but
the upload."""

from __future__ import annotations

from devtools.local_jobs import images as job
from tests import media as m
from tests.apigw import invoke, invoke_function
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)


def test_a_second_run_that_finds_the_image_settled_keeps_its_files(bucket, table, ddb, admin, product, before_update):  # noqa: F811
    product_id = product()["id"]
    started = m.start_upload(admin.token, product_id, "image/png").data
    image_id = started["imageId"]
    png = m.png_with_transparency()
    assert m.post_form(started["upload"], png).status_code == 204
    key = {"id": {"S": product_id}, "type": {"S": "product"}}
    created = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["images"]["M"][image_id]["M"]

    def twin_settles_first():
        ready = {"status": {"S": "ready"}, "createdAt": created["createdAt"], "width": {"N": "640"}}
        ready |= {"height": {"N": "480"}, "readyAt": {"S": "2030-01-01T00:00:00.000Z"}}
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET images.#i = :r, imagesVersion = imagesVersion + :one",
            ExpressionAttributeNames={"#i": image_id},
            ExpressionAttributeValues={":r": {"M": ready}, ":one": {"N": "1"}},
        )

    before_update(twin_settles_first)
    event = job.s3_event("shop-test-media", f"uploads/{product_id}/{image_id}", len(png), "x")

    assert invoke_function("processImage", event) == {"processed": ["ready"]}
    assert m.keys_under(f"images/{product_id}/{image_id}/") == [
        f"images/{product_id}/{image_id}/large.webp",
        f"images/{product_id}/{image_id}/thumb.webp",
    ]
    assert m.keys_under(f"uploads/{product_id}/") == []
    assert m.image_of(admin.token, product_id, image_id).data["status"] == "ready"
    assert [i["id"] for i in invoke("GET", f"/products/{product_id}").data["images"]] == [image_id]
