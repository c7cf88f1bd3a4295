"""Helpers for the product-image tests: images made with Pillow, and the upload round trip
through the local S3 form endpoint and the local processImage job."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import Image
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.apigw import invoke

UPLOAD_ENDPOINT = "http://127.0.0.1:3999/_local/s3"


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps_and_orientation() -> bytes:
    """400x200 stored, red left half and blue right half, EXIF orientation 6 (shown rotated
    90 degrees clockwise: 200x400, red on top), GPS coordinates and a camera make."""
    image = Image.new("RGB", (400, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 1.0)}
    return encoded(image, "JPEG", exif=exif, quality=95)


def png_with_transparency() -> bytes:
    image = Image.new("RGBA", (640, 480), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 320, 480))  # left half fully transparent
    return encoded(image, "PNG")


def png_bomb(width: int = 7072, height: int = 7072) -> bytes:
    """A valid PNG header announcing 50 megapixels, over a few KB of compressed zeros: what a
    decompression bomb looks like. Written by hand, so making it costs the test nothing."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compressobj(9)
    line = b"\x00" * (width + 1)
    data = b"".join(rows.compress(line) for _ in range(height)) + rows.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def start_upload(token: str, product_id: str, content_type: str = "image/jpeg", length: int = 1000):
    return invoke(
        "POST",
        f"/products/{product_id}/images",
        body={"contentType": content_type, "contentLength": length},
        token=token,
    )


def post_form(
    upload: dict[str, Any], data: bytes, content_type: str | None = None, origin: str | None = None, **overrides: str
):
    """POST the presigned form to the local S3 endpoint, as a browser (from `origin`) or curl would."""
    from devtools.local_routes import media

    fields = {**upload["fields"], **overrides}
    if content_type is not None:
        fields["Content-Type"] = content_type
    url = upload["url"]
    assert url.startswith(UPLOAD_ENDPOINT), url
    builder = EnvironBuilder(
        path="/_local/s3/" + url.removeprefix(UPLOAD_ENDPOINT).strip("/"),
        method="POST",
        headers={"Origin": origin} if origin else {},
        data={
            **fields,
            "file": (io.BytesIO(data), "upload.bin", fields.get("Content-Type", "application/octet-stream")),
        },
    )
    return media.handle(Request(builder.get_environ()))


def s3_error_code(response) -> str:
    import re

    found = re.search(r"<Code>([^<]+)</Code>", response.get_data(as_text=True))
    return found.group(1) if found else ""


def process_pending() -> None:
    """What the local server's background job does on its next tick."""
    from devtools.local_jobs import images

    images.tick()


def upload_and_process(token: str, product_id: str, data: bytes, content_type: str = "image/jpeg") -> str:
    started = start_upload(token, product_id, content_type, len(data) or 1)
    assert started.status == 201, started.body
    posted = post_form(started.data["upload"], data)
    assert posted.status_code == 204, posted.get_data(as_text=True)
    process_pending()
    return started.data["imageId"]


def image_of(token: str, product_id: str, image_id: str):
    return invoke("GET", f"/products/{product_id}/images/{image_id}", token=token)


def keys_under(prefix: str) -> list[str]:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    found = s3.list_objects_v2(Bucket="shop-test-media", Prefix=prefix)
    return sorted(item["Key"] for item in found.get("Contents", []))


def object_bytes(key: str) -> bytes:
    import boto3

    return boto3.client("s3", region_name="us-east-1").get_object(Bucket="shop-test-media", Key=key)["Body"].read()
