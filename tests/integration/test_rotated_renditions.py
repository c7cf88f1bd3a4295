"""A large JPEG with EXIF orientation 6 (stored landscape, shown portrait) gets a 1280 px wide
"large" rendition (issue 32, defect 8): the JPEG is decoded at a reduced scale sized for the
upright image, not for the stored one (5200 x 3900 stored, decoded at 1/4 for a 1280 px wide
landscape, gave a 975 px wide portrait)."""

from __future__ import annotations

import io

from PIL import Image

from tests import media as m
from tests.apigw import invoke
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)


def test_a_rotated_jpeg_gets_a_1280_px_large_rendition_sized_after_rotation(bucket, admin, product):  # noqa: F811
    product_id = product()["id"]
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = Image.linear_gradient("L").resize((5200, 3900)).convert("RGB")
    data = m.encoded(stored, "JPEG", exif=exif, quality=60)
    assert len(data) <= 5 * 1024 * 1024

    image_id = m.upload_and_process(admin.token, product_id, data)

    large = Image.open(io.BytesIO(m.object_bytes(f"images/{product_id}/{image_id}/large.webp")))
    assert large.size == (1280, 1707)  # upright 3900 x 5200, scaled to 1280 wide
    thumb = Image.open(io.BytesIO(m.object_bytes(f"images/{product_id}/{image_id}/thumb.webp")))
    assert thumb.size == (320, 427)
    [listed] = invoke("GET", f"/products/{product_id}").data["images"]
    assert (listed["width"], listed["height"]) == (3900, 5200)
