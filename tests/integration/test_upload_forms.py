"""What `POST /products/{id}/images` answers and writes (docs/API.md, "Product images";
docs/DATA_MODEL.md): a form whose fields carry the signed `Content-Type` under S3's own field
name and whose policy takes 1 byte to 5 MiB; `expiresAt` in UTC, 10 minutes ahead; the
processing record `{status, createdAt, contentType, uploadExpiresAt}`; and a refused eleventh
upload that says which limit it hit."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests import media as m
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)

FIVE_MIB = 5 * 1024 * 1024


def _record(ddb, table, product_id: str, image_id: str) -> dict:
    key = {"id": {"S": product_id}, "type": {"S": "product"}}
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["images"]["M"][image_id]["M"]


def test_the_form_carries_its_content_type_and_expires_in_utc_ten_minutes_ahead(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    before = int(time.time())
    started = m.start_upload(admin.token, product_id, "image/webp")
    after = int(time.time())

    assert started.status == 201
    fields = started.data["upload"]["fields"]
    assert fields["Content-Type"] == "image/webp"
    assert fields["key"] == f"uploads/{product_id}/{started.data['imageId']}"
    expires = datetime.fromisoformat(started.data["expiresAt"])
    assert started.data["expiresAt"].endswith("Z") and expires.utcoffset() == timedelta(0)
    assert before + 600 <= expires.timestamp() <= after + 600


def test_signing_records_a_processing_image_with_its_content_type_and_form_expiry(bucket, table, ddb, admin, product):  # noqa: F811
    product_id = product()["id"]
    started = m.start_upload(admin.token, product_id, "image/jpeg").data

    record = _record(ddb, table, product_id, started["imageId"])
    assert set(record) == {"status", "createdAt", "contentType", "uploadExpiresAt"}
    assert record["status"] == {"S": "processing"} and record["contentType"] == {"S": "image/jpeg"}
    expires = datetime.fromisoformat(started["expiresAt"]).astimezone(UTC)
    assert int(record["uploadExpiresAt"]["N"]) == int(expires.timestamp())


def test_the_form_takes_exactly_one_byte_and_exactly_5_mib(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    smallest = m.start_upload(admin.token, product_id, "image/png", 1).data
    assert m.post_form(smallest["upload"], b"\x89").status_code == 204
    largest = m.start_upload(admin.token, product_id, "image/png", FIVE_MIB).data
    assert m.post_form(largest["upload"], b"\x89".ljust(FIVE_MIB, b"\0")).status_code == 204

    assert m.keys_under(f"uploads/{product_id}/") == sorted(
        f"uploads/{product_id}/{started['imageId']}" for started in (smallest, largest)
    )


def test_an_eleventh_upload_names_the_images_limit_in_its_details(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    for _ in range(10):
        assert m.start_upload(admin.token, product_id).status == 201

    eleventh = m.start_upload(admin.token, product_id)

    assert eleventh.status == 409 and eleventh.code == "TOO_MANY_IMAGES"
    (message,) = eleventh.json["details"]["images"]
    assert set(eleventh.json["details"]) == {"images"} and "10" in message
