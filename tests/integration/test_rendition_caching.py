"""Renditions are stored with the Cache-Control that CloudFront passes on to browsers
(docs/API.md: `public, max-age=31536000, immutable`; a rendition's key never gets new content)."""

from __future__ import annotations

from tests import media as m
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)


def test_every_rendition_is_stored_as_immutable_for_a_year(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    image_id = m.upload_and_process(admin.token, product_id, m.png_with_transparency(), "image/png")

    for size in ("thumb", "large"):
        stored = bucket.head_object(Bucket="shop-test-media", Key=f"images/{product_id}/{image_id}/{size}.webp")
        assert stored["CacheControl"] == "public, max-age=31536000, immutable"
        assert stored["ContentType"] == "image/webp"
