"""The image rules on the fake storage: counting, pruning abandoned uploads and old rejections,
and what a client reads of each state."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.domain.image import Image
from shop.errors import NotFound, ProductNotFound, TooManyImages
from shop.services import images, products
from shop.storage.media import Upload
from tests import factories
from tests.fakes import FakeStorage


class FakeMedia:
    bucket = "media"

    def __init__(self) -> None:
        self.deleted: list[str] = []

    def presign_upload(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> Upload:
        return Upload("https://media.s3.example/", {"key": key, "Content-Type": content_type})

    def delete(self, keys: list[str]) -> None:
        self.deleted.extend(keys)


@pytest.fixture
def setup():
    store, files = FakeStorage(), FakeMedia()
    product = products.create(store, {"name": "Lamp", "price": Decimal("5"), "category": "Home", "stock": 1})
    return store, files, product.id


@pytest.fixture
def clock(monkeypatch):
    now = [1_900_000_000.0]
    monkeypatch.setattr(images.time, "time", lambda: now[0])
    return now


def test_uploads_signed_but_never_sent_stop_counting_after_their_grace_and_are_pruned(setup, clock):
    store, files, pid = setup
    first = [images.create_upload(store, files, pid, "image/png")["imageId"] for _ in range(10)]
    with pytest.raises(TooManyImages):
        images.create_upload(store, files, pid, "image/png")
    clock[0] += images.UPLOAD_SECONDS + images.ABANDONED_GRACE_SECONDS  # not yet: exactly at the edge
    with pytest.raises(TooManyImages):
        images.create_upload(store, files, pid, "image/png")
    assert images.get(store, pid, first[0]).as_api() == {"id": first[0], "status": "processing"}
    clock[0] += 1
    assert images.get(store, pid, first[0]).as_api() == {"id": first[0], "status": "rejected", "reason": "not_uploaded"}
    fresh = images.create_upload(store, files, pid, "image/png")
    assert fresh["upload"]["fields"]["key"] == f"uploads/{pid}/{fresh['imageId']}"
    assert set(store.images.read(pid).images) == {fresh["imageId"]}  # the ten abandoned ones are gone
    assert f"uploads/{pid}/{first[3]}" in files.deleted
    with pytest.raises(NotFound):
        images.get(store, pid, first[0])


def test_rejections_do_not_count_and_only_the_newest_ten_are_kept(setup, clock):
    store, files, pid = setup
    ids = []
    for n in range(12):
        ids.append(images.create_upload(store, files, pid, "image/png")["imageId"])
        store.images.settle(
            pid,
            Image(ids[-1], "rejected", f"2030-01-01T00:00:{n:02d}.000Z", reason="not_an_image"),
        )
        clock[0] += 1
    images.create_upload(store, files, pid, "image/png")
    kept = store.images.read(pid).images
    rejected = sorted(i for i, r in kept.items() if r.status == "rejected")
    assert rejected == sorted(ids[-10:]) and len(kept) == 11


def test_a_ready_image_is_presented_with_absolute_urls_in_upload_order(setup):
    store, files, pid = setup
    a = images.create_upload(store, files, pid, "image/png")["imageId"]
    b = images.create_upload(store, files, pid, "image/jpeg")["imageId"]
    for image_id, stamp in ((b, "2030-01-01T00:00:02.000Z"), (a, "2030-01-01T00:00:01.000Z")):
        store.images.settle(pid, Image(image_id, "ready", stamp, width=64, height=48))
    shown = factories.shown(products.get(store, pid))
    assert [i["id"] for i in shown["images"]] == [a, b]
    assert shown["images"][0]["urls"]["large"] == f"https://media.shop.example/images/{pid}/{a}/large.webp"
    assert "imagesVersion" not in shown
    with pytest.raises(ProductNotFound):
        images.create_upload(store, files, "ghost", "image/png")


def test_images_uploaded_in_the_same_millisecond_are_listed_by_id(setup):
    store, files, pid = setup
    made = [images.create_upload(store, files, pid, "image/png")["imageId"] for _ in range(3)]
    for image_id in made:
        store.images.settle(pid, Image(image_id, "ready", "2030-01-01T00:00:01.000Z", width=64, height=48))
    assert [i.id for i in products.get(store, pid).ready_images] == sorted(made)
