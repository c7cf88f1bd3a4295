"""processImage acts only on an object at an upload key, `uploads/<productId>/<imageId>`
(docs/API.md): any other object it is told about is ignored, and neither the pending
upload nor its image's files are deleted for it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.services import images, products
from tests.fakes import FakeStorage
from tests.unit.test_image_service import FakeMedia


@pytest.fixture
def pending():
    store, files = FakeStorage(), FakeMedia()
    product = products.create(store, {"name": "Lamp", "price": Decimal("5"), "category": "Home", "stock": 1})
    image_id = images.create_upload(store, files, product.id, "image/png")["imageId"]
    return store, files, product.id, image_id


@pytest.mark.parametrize(
    "shape",
    ["uploads/{pid}/{image}/more", "images/{pid}/{image}", "uploads//{image}", "uploads/{pid}/"],
    ids=["deeper", "other-prefix", "no-product", "no-image"],
)
def test_an_object_that_is_not_an_upload_is_ignored_and_nothing_is_deleted(pending, shape):
    store, files, pid, image = pending
    files.deleted.clear()

    outcome = images.process_upload(store, files, shape.format(pid=pid, image=image))

    assert outcome == "ignored"
    assert files.deleted == []
    assert images.get(store, pid, image).as_api() == {"id": image, "status": "processing"}
