"""Product images end to end on moto: the presigned POST (through the local S3 form endpoint,
which enforces its policy as S3 does), the S3 event, processImage with Pillow, and what
clients see of the product afterwards."""

from __future__ import annotations

import io
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from PIL import Image

from tests import media as m
from tests.apigw import invoke, invoke_function

BASE = "https://media.shop.example"


@pytest.fixture
def bucket(table, monkeypatch, tmp_path):
    """The media bucket, the local S3 form endpoint as the signer's address, an empty event queue."""
    from devtools.local_jobs import images as job
    from tests.conftest import reset_shop_caches

    monkeypatch.setenv("MEDIA_UPLOAD_ENDPOINT", m.UPLOAD_ENDPOINT)
    monkeypatch.setenv("MEDIA_EVENTS_QUEUE", f"media-events-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("LOCAL_DATA_DIR", str(tmp_path))
    # The job hands each S3 event to processImage as Lambda would: as that function (its role
    # under IAM enforcement), through tests.apigw.
    monkeypatch.setattr(job, "invoke", lambda event: invoke_function("processImage", event))
    reset_shop_caches()
    s3 = boto3.client("s3", region_name="us-east-1")
    job.setup()
    yield s3
    for key in m.keys_under(""):
        s3.delete_object(Bucket="shop-test-media", Key=key)


@pytest.fixture
def a_product(admin, product):
    return product()["id"]


def _webp(key: str) -> Image.Image:
    image = Image.open(io.BytesIO(m.object_bytes(key)))
    image.load()
    return image


# --- what a good upload becomes --------------------------------------------------------------


def test_a_jpeg_with_gps_and_orientation_becomes_two_upright_webps_without_metadata(bucket, admin, a_product):
    image_id = m.upload_and_process(admin.token, a_product, m.jpeg_with_gps_and_orientation())
    product = invoke("GET", f"/products/{a_product}").data
    (listed,) = product["images"]
    prefix = f"{BASE}/images/{a_product}/{image_id}"
    assert listed == {
        "id": image_id,
        "urls": {"thumb": f"{prefix}/thumb.webp", "large": f"{prefix}/large.webp"},
        "width": 200,
        "height": 400,  # upright: the 400x200 file carried orientation 6
    }
    for size in ("thumb", "large"):
        out = _webp(f"images/{a_product}/{image_id}/{size}.webp")
        assert out.format == "WEBP" and out.size == (200, 400)  # 200 px wide: never upscaled
        assert not out.getexif() and "exif" not in out.info and "xmp" not in out.info and "icc_profile" not in out.info
        top, bottom = out.convert("RGB").getpixel((100, 50)), out.convert("RGB").getpixel((100, 350))
        assert top[0] > 200 and top[2] < 60, top  # red on top: the rotation was applied
        assert bottom[2] > 200 and bottom[0] < 60, bottom
        assert b"SecretCam" not in m.object_bytes(f"images/{a_product}/{image_id}/{size}.webp")
    assert m.keys_under(f"uploads/{a_product}/") == []  # the upload is gone
    state = invoke("GET", f"/products/{a_product}/images/{image_id}", token=admin.token)
    assert state.status == 200 and state.data["status"] == "ready" and state.data["urls"] == listed["urls"]
    assert (state.data["width"], state.data["height"]) == (200, 400)


def test_png_transparency_survives_and_large_images_are_scaled_to_1280_and_320(bucket, admin, a_product):
    png = m.upload_and_process(admin.token, a_product, m.png_with_transparency(), "image/png")
    thumb = _webp(f"images/{a_product}/{png}/thumb.webp")
    assert thumb.size == (320, 240) and thumb.mode == "RGBA"
    assert thumb.getpixel((10, 120))[3] == 0 and thumb.getpixel((310, 120))[3] == 255
    assert _webp(f"images/{a_product}/{png}/large.webp").size == (640, 480)  # not upscaled to 1280

    big = m.encoded(Image.linear_gradient("L").resize((6000, 4000)).convert("RGB"), "JPEG", quality=70)
    assert len(big) <= 5 * 1024 * 1024
    large_id = m.upload_and_process(admin.token, a_product, big)
    assert _webp(f"images/{a_product}/{large_id}/large.webp").size == (1280, 853)
    assert _webp(f"images/{a_product}/{large_id}/thumb.webp").size == (320, 213)
    listed = invoke("GET", f"/products/{a_product}").data["images"]
    assert [(i["id"], i["width"], i["height"]) for i in listed] == [(png, 640, 480), (large_id, 6000, 4000)]


def test_webp_and_a_one_pixel_image_are_taken(bucket, admin, a_product):
    webp = m.upload_and_process(
        admin.token, a_product, m.encoded(Image.new("RGB", (500, 300), "teal"), "WEBP"), "image/webp"
    )
    tiny = m.upload_and_process(
        admin.token, a_product, m.encoded(Image.new("RGB", (1, 1), "white"), "PNG"), "image/png"
    )
    assert _webp(f"images/{a_product}/{webp}/thumb.webp").size == (320, 192)
    assert _webp(f"images/{a_product}/{tiny}/thumb.webp").size == (1, 1)
    assert _webp(f"images/{a_product}/{tiny}/large.webp").size == (1, 1)
    assert [i["id"] for i in invoke("GET", f"/products/{a_product}").data["images"]] == [webp, tiny]


def test_the_local_cdn_serves_renditions_and_nothing_else(bucket, admin, a_product):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from devtools.local_routes import media

    image_id = m.upload_and_process(admin.token, a_product, m.png_with_transparency(), "image/png")

    def get(path):
        return media.handle(Request(EnvironBuilder(path=path).get_environ()))

    served = get(f"/media/images/{a_product}/{image_id}/thumb.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff" and "immutable" in served.headers["Cache-Control"]
    assert Image.open(io.BytesIO(served.get_data())).size == (320, 240)
    assert get(f"/media/images/{a_product}/nope/thumb.webp").status_code == 404
    assert get(f"/media/uploads/{a_product}/{image_id}").status_code == 403  # uploads are never served


# --- what is refused, and how ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "data", "reason"),
    [
        ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
        ("image/png", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "not_an_image"),
        ("image/png", b"<!doctype html><html><script>alert(document.cookie)</script></html>", "not_an_image"),
        ("image/jpeg", "truncated", "corrupt_image"),
        ("image/jpeg", "polyglot", "trailing_data"),
        ("image/png", "gif", "not_an_image"),
    ],
    ids=["svg-type", "svg-as-png", "html-as-png", "truncated-jpeg", "jpeg-zip-polyglot", "gif-as-png"],
)
def test_files_that_are_not_a_clean_jpeg_png_or_webp_are_rejected_and_deleted(
    bucket, admin, a_product, content_type, data, reason
):
    photo = m.encoded(Image.effect_noise((300, 200), 40).convert("RGB"), "JPEG")
    data = {
        "truncated": photo[: len(photo) // 2],
        "polyglot": photo + b"PK\x03\x04" + b"\x00" * 26 + b"<script>alert(1)</script>",
        "gif": m.encoded(Image.new("RGB", (10, 10)), "GIF"),
    }.get(data, data)
    started = m.start_upload(admin.token, a_product, content_type, len(data))
    if reason is None:  # an SVG is not even signed for
        assert started.status == 400 and "contentType" in started.json["details"]
        return
    assert m.post_form(started.data["upload"], data).status_code == 204
    m.process_pending()
    image_id = started.data["imageId"]
    state = m.image_of(admin.token, a_product, image_id)
    assert state.data == {"id": image_id, "status": "rejected", "reason": reason}
    assert m.keys_under(f"uploads/{a_product}/") == [] and m.keys_under(f"images/{a_product}/") == []
    assert invoke("GET", f"/products/{a_product}").data["images"] == []


def test_a_50_megapixel_png_bomb_is_refused_from_its_header(bucket, admin, a_product):
    from shop import imaging

    bomb = m.png_bomb()
    assert len(bomb) < 200_000  # 50 MP of zeros, a few dozen KB on the wire
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(imaging.Refused) as refused:
        imaging.process(bomb)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.value.reason == "too_many_pixels"
    assert peak < 5 * 1024 * 1024, peak  # decoded, it would be 50 MB (2.5 GB as RGBA at 80 MP)
    assert elapsed < 0.5, elapsed

    image_id = m.upload_and_process(admin.token, a_product, bomb, "image/png")
    assert m.image_of(admin.token, a_product, image_id).data["reason"] == "too_many_pixels"
    assert m.keys_under(f"uploads/{a_product}/") == [] and m.keys_under(f"images/{a_product}/") == []


def test_zero_bytes_and_over_5_mib_are_refused_by_the_form_policy(bucket, admin, a_product):
    started = m.start_upload(admin.token, a_product).data
    empty = m.post_form(started["upload"], b"")
    assert empty.status_code == 400 and m.s3_error_code(empty) == "EntityTooSmall"
    too_big = m.post_form(started["upload"], b"\xff" * (5 * 1024 * 1024 + 1))
    assert too_big.status_code == 400 and m.s3_error_code(too_big) == "EntityTooLarge"
    assert "<MaxSizeAllowed>5242880</MaxSizeAllowed>" in too_big.get_data(as_text=True)
    assert m.keys_under("uploads/") == []
    # and were an empty object to arrive anyway, processImage refuses it
    bucket.put_object(Bucket="shop-test-media", Key=f"uploads/{a_product}/{started['imageId']}", Body=b"")
    from devtools.local_jobs import images as job

    job.invoke(job.s3_event("shop-test-media", f"uploads/{a_product}/{started['imageId']}", 0, "x"))
    assert m.image_of(admin.token, a_product, started["imageId"]).data["reason"] == "empty_file"


def test_the_form_policy_pins_key_content_type_signature_and_expiry(bucket, admin, a_product, monkeypatch):
    started = m.start_upload(admin.token, a_product, "image/png").data
    png = m.png_with_transparency()
    other_type = m.post_form(started["upload"], png, "text/html")
    assert other_type.status_code == 403 and m.s3_error_code(other_type) == "AccessDenied"
    assert "Content-Type" in other_type.get_data(as_text=True)
    other_key = m.post_form(started["upload"], png, key=f"images/{a_product}/evil/thumb.webp")
    assert other_key.status_code == 403 and m.s3_error_code(other_key) == "AccessDenied"
    forged = m.post_form(started["upload"], png, **{"x-amz-signature": "0" * 64})
    assert forged.status_code == 403 and m.s3_error_code(forged) == "SignatureDoesNotMatch"
    extra = m.post_form(started["upload"], png, acl="public-read")
    assert extra.status_code == 403 and "Extra input fields: acl" in extra.get_data(as_text=True)
    assert m.keys_under("") == []

    from devtools.local_routes import media

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(minutes=10, seconds=1)

    monkeypatch.setattr(media, "datetime", Later)
    expired = m.post_form(started["upload"], png)
    assert expired.status_code == 403 and m.s3_error_code(expired) == "AccessDenied"
    assert "Policy expired" in expired.get_data(as_text=True)
    assert m.keys_under("") == []
    assert started["expiresAt"] <= (datetime.now(UTC) + timedelta(minutes=10, seconds=1)).isoformat()


def test_an_eleventh_image_is_a_409_and_a_deleted_one_frees_its_place(bucket, admin, a_product):
    ids = [m.start_upload(admin.token, a_product).data["imageId"] for _ in range(10)]
    eleventh = m.start_upload(admin.token, a_product)
    assert eleventh.status == 409 and eleventh.code == "TOO_MANY_IMAGES"
    assert invoke("DELETE", f"/products/{a_product}/images/{ids[0]}", token=admin.token).data == {
        "id": ids[0],
        "deleted": True,
    }
    assert m.start_upload(admin.token, a_product).status == 201
    assert m.start_upload(admin.token, a_product).status == 409


def test_concurrent_upload_requests_never_make_an_eleventh(bucket, admin, a_product):
    for _ in range(8):
        assert m.start_upload(admin.token, a_product).status == 201
    results: list[int] = []
    barrier = threading.Barrier(6)

    def race():
        barrier.wait()
        results.append(m.start_upload(admin.token, a_product).status)

    threads = [threading.Thread(target=race) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201, 201, 409, 409, 409, 409]
    from shop.storage import storage

    assert len(storage().images.read(a_product).images) == 10


def test_only_admins_may_upload_read_or_delete_images(bucket, admin, customer, a_product):
    image_id = m.start_upload(admin.token, a_product).data["imageId"]
    assert m.start_upload(customer.token, a_product).status == 403
    assert m.image_of(customer.token, a_product, image_id).status == 403
    assert invoke("DELETE", f"/products/{a_product}/images/{image_id}", token=customer.token).status == 403
    assert m.start_upload("", a_product).status == 401
    assert m.image_of(admin.token, a_product, image_id).data == {"id": image_id, "status": "processing"}
    assert m.start_upload(admin.token, "no-such-product").code == "PRODUCT_NOT_FOUND"
    assert m.image_of(admin.token, a_product, "nope").code == "NOT_FOUND"
    bad = invoke(
        "POST",
        f"/products/{a_product}/images",
        body={"contentType": "image/gif", "contentLength": 0},
        token=admin.token,
    )
    assert bad.status == 400 and set(bad.json["details"]) == {"contentType", "contentLength"}


# --- twice, at once, and meanwhile ----------------------------------------------------------


def test_processing_one_event_twice_changes_nothing_the_second_time(bucket, admin, a_product):
    from devtools.local_jobs import images as job

    started = m.start_upload(admin.token, a_product, "image/png").data
    png = m.png_with_transparency()
    assert m.post_form(started["upload"], png).status_code == 204
    event = job.s3_event("shop-test-media", f"uploads/{a_product}/{started['imageId']}", len(png), "x")
    assert job.invoke(event) == {"processed": ["ready"]}
    files = {k: m.object_bytes(k) for k in m.keys_under(f"images/{a_product}/")}
    before = invoke("GET", f"/products/{a_product}").data
    assert job.invoke(event) == {"processed": ["stale"]}
    assert invoke("GET", f"/products/{a_product}").data == before
    assert {k: m.object_bytes(k) for k in m.keys_under(f"images/{a_product}/")} == files and len(files) == 2


def test_two_uploads_processed_at_once_both_appear(bucket, admin, a_product):
    from devtools.local_jobs import images as job

    events = []
    for color in ("red", "blue"):
        started = m.start_upload(admin.token, a_product, "image/png").data
        data = m.encoded(Image.new("RGB", (400, 300), color), "PNG")
        assert m.post_form(started["upload"], data).status_code == 204
        events.append(
            (
                started["imageId"],
                job.s3_event("shop-test-media", f"uploads/{a_product}/{started['imageId']}", len(data), "x"),
            )
        )
    barrier = threading.Barrier(2)
    outcomes = []

    def run(event):
        barrier.wait()
        outcomes.append(job.invoke(event))

    threads = [threading.Thread(target=run, args=(event,)) for _, event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o["processed"][0] for o in outcomes) == ["ready", "ready"]
    listed = invoke("GET", f"/products/{a_product}").data["images"]
    assert sorted(i["id"] for i in listed) == sorted(i for i, _ in events)


def test_a_product_deleted_while_its_image_is_processed_leaves_no_files(bucket, admin, a_product, monkeypatch):
    from shop import imaging

    started = m.start_upload(admin.token, a_product, "image/png").data
    assert m.post_form(started["upload"], m.png_with_transparency()).status_code == 204
    real_process = imaging.process

    def deleted_meanwhile(data):
        processed = real_process(data)
        assert invoke("DELETE", f"/products/{a_product}", token=admin.token).status == 200
        return processed

    monkeypatch.setattr(imaging, "process", deleted_meanwhile)
    m.process_pending()
    assert invoke("GET", f"/products/{a_product}").status == 404
    assert m.keys_under(f"images/{a_product}/") == [] and m.keys_under(f"uploads/{a_product}/") == []


def test_deleting_an_image_or_its_product_deletes_the_files(bucket, admin, product):
    pid = product()["id"]
    first = m.upload_and_process(admin.token, pid, m.png_with_transparency(), "image/png")
    second = m.upload_and_process(admin.token, pid, m.jpeg_with_gps_and_orientation())
    pending = m.start_upload(admin.token, pid).data["imageId"]  # signed, never uploaded
    assert len(m.keys_under(f"images/{pid}/")) == 4
    assert invoke("DELETE", f"/products/{pid}/images/{first}", token=admin.token).status == 200
    assert m.keys_under(f"images/{pid}/{first}/") == []
    assert [i["id"] for i in invoke("GET", f"/products/{pid}").data["images"]] == [second]
    assert invoke("DELETE", f"/products/{pid}/images/{first}", token=admin.token).code == "NOT_FOUND"
    assert pending
    assert invoke("DELETE", f"/products/{pid}", token=admin.token).status == 200
    assert m.keys_under(f"images/{pid}/") == [] and m.keys_under(f"uploads/{pid}/") == []
    assert invoke("DELETE", f"/products/{pid}/images/{second}", token=admin.token).code == "PRODUCT_NOT_FOUND"


def test_products_list_their_ready_images_and_a_put_keeps_them(bucket, admin, a_product):
    image_id = m.upload_and_process(admin.token, a_product, m.png_with_transparency(), "image/png")
    m.start_upload(admin.token, a_product)  # processing: not listed
    listed = [p for p in invoke("GET", "/products", query={"limit": "100"}).data if p["id"] == a_product]
    assert [i["id"] for i in listed[0]["images"]] == [image_id]
    updated = invoke("PUT", f"/products/{a_product}", body={"stock": 3}, token=admin.token).data
    assert [i["id"] for i in updated["images"]] == [image_id] and "imagesVersion" not in updated


def test_image_paths_answer_other_methods_with_405_and_their_allow_list(table):
    upload = invoke("PATCH", "/products/p-1/images")
    assert upload.status == 405 and upload.headers["Allow"] == "POST, OPTIONS"
    one = invoke("PUT", "/products/p-1/images/i-1")
    assert one.status == 405 and one.code == "METHOD_NOT_ALLOWED"
    assert one.headers["Allow"] == "GET, DELETE, OPTIONS"


def test_renditions_kept_on_disk_come_back_after_a_restart_unless_their_image_is_gone(bucket, admin, product, tmp_path):
    """The local S3 starts empty on every `make run`; DynamoDB Local does not. The job keeps each
    rendition under LOCAL_DATA_DIR and puts back those whose image is still ready."""
    from devtools.local_jobs import images as job

    pid = product()["id"]
    kept = m.upload_and_process(admin.token, pid, m.png_with_transparency(), "image/png")
    dropped = m.upload_and_process(admin.token, pid, m.jpeg_with_gps_and_orientation())
    assert sorted(p.name for p in (tmp_path / "media" / "images" / pid).iterdir()) == sorted([kept, dropped])
    before = {k: m.object_bytes(k) for k in m.keys_under(f"images/{pid}/{kept}/")}
    assert invoke("DELETE", f"/products/{pid}/images/{dropped}", token=admin.token).status == 200
    for key in m.keys_under(""):  # the restart: a fresh, empty local S3
        bucket.delete_object(Bucket="shop-test-media", Key=key)
    job.setup()
    assert {k: m.object_bytes(k) for k in m.keys_under(f"images/{pid}/")} == before
    assert not (tmp_path / "media" / "images" / pid / dropped).exists()


# --- CORS: the browser posts the form from the storefront's origin ---------------------------

SITE = "http://127.0.0.1:5173"


def _preflight(origin: str | None, method: str = "POST", headers: str | None = None):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from devtools.local_routes import media

    sent = {"Access-Control-Request-Method": method}
    if origin is not None:
        sent["Origin"] = origin
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    builder = EnvironBuilder(path="/_local/s3/shop-test-media", method="OPTIONS", headers=sent)
    return media.handle(Request(builder.get_environ()))


def test_the_upload_endpoint_answers_a_preflight_from_an_allowed_origin_only(bucket, monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{SITE},http://localhost:5173")
    allowed = _preflight(SITE)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE  # echoed, never "*"
    assert allowed.headers["Access-Control-Allow-Methods"] == "POST"
    assert "Origin" in allowed.headers.get_all("Vary")
    for refused in (_preflight("https://evil.example"), _preflight(SITE, "PUT"), _preflight(SITE, headers="x-hack")):
        assert refused.status_code == 403 and m.s3_error_code(refused) == "AccessForbidden"
        assert "Access-Control-Allow-Origin" not in refused.headers
    assert _preflight(None).status_code == 400


def test_the_upload_answer_carries_cors_headers_for_the_allowed_origin_only(bucket, admin, a_product, monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", SITE)
    png = m.png_with_transparency()
    ok = m.post_form(m.start_upload(admin.token, a_product, "image/png", len(png)).data["upload"], png, origin=SITE)
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Origin"] == SITE
    refused = m.post_form(m.start_upload(admin.token, a_product).data["upload"], b"", origin=SITE)
    assert refused.status_code == 400 and refused.headers["Access-Control-Allow-Origin"] == SITE  # readable errors
    other = m.post_form(
        m.start_upload(admin.token, a_product, "image/png", len(png)).data["upload"], png, origin="https://evil.example"
    )
    assert "Access-Control-Allow-Origin" not in other.headers  # stored as S3 would, but the page cannot read it
