"""Products, users and carts stored in every shape this project ever wrote are read, shown and
changed without a 500 (the typed records of shop/domain read them with defaults; the shapes come
from the history of services/products.py, images.py, auth.py and carts.py):

  a product from before images (no `images`, `imagesVersion`, `countingImages`), without the
    optional `description` and `imageUrl`;
  a product with images from before the count (`images` and `imagesVersion`, no `countingImages`);
  a user from before sessions had versions (no `sessionVersion`);
  a cart as every version of the code wrote it.

Each is written to the table as it was (not through today's storage code), then used over HTTP.
The user and cart tests also run on DynamoDB Local; the product tests need the media bucket,
which only the moto run has."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests import factories
from tests.apigw import invoke
from tests.integration.test_images import bucket

__all__ = ["bucket"]

CREATED = "2026-11-22T10:00:00.000Z"


def put_product(**attributes) -> str:
    """A product item as an older version stored it: its keys, its index keys, `attributes`."""
    from shop.storage import keys, storage

    product = {"id": str(uuid.uuid4()), "name": "Old lamp", "price": Decimal("12.50"), "category": "Legacy"}
    product |= {"stock": 4, "createdAt": CREATED, **attributes}
    storage().table.put({**product, "type": keys.PRODUCT, **keys.product_index_keys(product)})
    return product["id"]


def stored(key: dict[str, str]) -> dict:
    from shop.storage import storage

    return storage().table.get(key, consistent=True)


def test_a_product_from_before_images_is_shown_listed_priced_and_takes_its_first_image(bucket, admin, customer):
    from shop.storage import keys

    pid = put_product()  # nor updatedAt: the first products had it, but nothing may depend on it
    shown = invoke("GET", f"/products/{pid}")
    assert shown.status == 200, shown.body
    assert shown.data == {
        "id": pid,
        "name": "Old lamp",
        "price": 12.5,
        "category": "Legacy",
        "stock": 4,
        "createdAt": CREATED,
        "updatedAt": CREATED,  # read as its creation time
        "images": [],
    }
    listed = invoke("GET", "/products", query={"category": "Legacy", "limit": "100"})
    assert listed.status == 200 and pid in [p["id"] for p in listed.data]

    cart = invoke("PUT", f"/cart/items/{pid}", body={"quantity": 2}, token=customer.token)
    assert cart.status == 200, cart.body
    assert cart.data["items"][0] | {} == {
        "productId": pid,
        "name": "Old lamp",
        "price": 12.5,
        "quantity": 2,
        "lineTotal": 25,
        "status": "ok",
    }

    upload = invoke("POST", f"/products/{pid}/images", body={"contentType": "image/png", "contentLength": 10},
                    token=admin.token)  # fmt: skip
    assert upload.status == 201, upload.body
    item = stored(keys.key(pid, keys.PRODUCT))
    image_id = upload.data["imageId"]
    assert item["imagesVersion"] == 1 and item["countingImages"] == {image_id}
    assert item["images"][image_id]["status"] == "processing" and "updatedAt" not in item

    changed = invoke("PUT", f"/products/{pid}", body={"stockDelta": 1}, token=admin.token)
    assert changed.status == 200, changed.body
    assert changed.data["stock"] == 5 and changed.data["images"] == []


def test_a_product_with_images_from_before_the_count_shows_them_and_starts_counting(bucket, admin):
    from shop.storage import keys

    ready, rejected = str(uuid.uuid4()), str(uuid.uuid4())
    pid = put_product(
        description="From the first catalogue.",
        updatedAt=CREATED,
        imagesVersion=2,
        images={
            ready: {"status": "ready", "createdAt": CREATED, "width": 640, "height": 480, "readyAt": CREATED},
            rejected: {"status": "rejected", "createdAt": CREATED, "contentType": "image/png",
                       "reason": "not_an_image", "rejectedAt": CREATED},
        },
    )  # fmt: skip
    shown = invoke("GET", f"/products/{pid}")
    assert shown.status == 200, shown.body
    assert shown.data["description"] == "From the first catalogue."
    assert shown.data["images"] == [
        {
            "id": ready,
            "urls": {
                "thumb": f"https://media.shop.example/images/{pid}/{ready}/thumb.webp",
                "large": f"https://media.shop.example/images/{pid}/{ready}/large.webp",
            },
            "width": 640,
            "height": 480,
        }
    ]
    state = invoke("GET", f"/products/{pid}/images/{rejected}", token=admin.token)
    assert (state.status, state.data) == (200, {"id": rejected, "status": "rejected", "reason": "not_an_image"})

    upload = invoke("POST", f"/products/{pid}/images", body={"contentType": "image/png", "contentLength": 10},
                    token=admin.token)  # fmt: skip
    assert upload.status == 201, upload.body
    item = stored(keys.key(pid, keys.PRODUCT))
    # The set is rewritten once under its version, and from then on the item counts.
    assert item["imagesVersion"] == 3 and item["countingImages"] == {ready, upload.data["imageId"]}
    assert item["images"][ready] == {
        "status": "ready",
        "createdAt": CREATED,
        "width": 640,
        "height": 480,
        "readyAt": CREATED,
    }


@pytest.mark.dynamodb_local
def test_a_user_from_before_session_versions_signs_in_and_reads_and_renames_the_account(table):
    from shop import passwords
    from shop.storage import keys, storage

    user_id, email = str(uuid.uuid4()), factories.email()
    storage().table.put({**keys.email_guard(email), "userId": user_id})
    storage().table.put(
        {
            **keys.key(user_id, keys.USER),
            "email": email,
            "name": "Early Bird",
            "role": "customer",
            "passwordHash": passwords.hash_password(factories.STRONG_PASSWORD),
            "createdAt": CREATED,
            "updatedAt": CREATED,
        }
    )
    login = invoke("POST", "/auth/login", body={"email": email, "password": factories.STRONG_PASSWORD})
    assert login.status == 200, login.body
    assert login.data["user"] == {"userId": user_id, "email": email, "name": "Early Bird", "role": "customer"}
    token = login.data["token"]

    me = invoke("GET", "/me", token=token)
    assert (me.status, me.data) == (
        200,
        {"id": user_id, "email": email, "name": "Early Bird", "role": "customer", "createdAt": CREATED},
    )
    assert "passwordHash" not in me.body

    renamed = invoke("PUT", "/me", body={"name": "Late Bird"}, token=token)
    assert renamed.status == 200 and renamed.data["name"] == "Late Bird"
    item = stored(keys.key(user_id, keys.USER))
    assert item["name"] == "Late Bird" and "sessionVersion" not in item


@pytest.mark.dynamodb_local
def test_a_cart_as_first_written_is_shown_edited_and_checked_out(customer):
    from shop.storage import keys, storage

    pid = put_product(updatedAt=CREATED)
    cart = {
        "userId": customer.user_id,
        "lines": [{"productId": pid, "quantity": 1, "name": "Old lamp", "price": Decimal("12.50"), "addedAt": CREATED}],
        "version": uuid.uuid4().hex,
        "updatedAt": CREATED,
    }
    storage().table.put({**cart, **keys.cart(customer.user_id), keys.TTL_FIELD: 4_000_000_000})
    shown = invoke("GET", "/cart", token=customer.token)
    assert shown.status == 200, shown.body
    assert shown.data == {
        "items": [
            {"productId": pid, "name": "Old lamp", "price": 12.5, "quantity": 1, "lineTotal": 12.5, "status": "ok"}
        ],
        "totalAmount": 12.5,
        "itemCount": 1,
        "updatedAt": CREATED,
    }
    edited = invoke("PUT", f"/cart/items/{pid}", body={"quantity": 3}, token=customer.token)
    assert edited.status == 200 and edited.data["itemCount"] == 3
    line = stored(keys.cart(customer.user_id))["lines"][0]
    assert line["addedAt"] == CREATED and line["quantity"] == 3  # the line keeps when it was added

    placed = invoke("POST", "/checkout", body={"shippingAddress": factories.ADDRESS}, token=customer.token)
    assert placed.status == 201, placed.body
    assert placed.data["totalAmount"] == 37.5 and stored(keys.cart(customer.user_id)) is None


@pytest.mark.dynamodb_local
def test_older_products_are_read_listed_and_changed_on_every_backend(admin):
    """The product reads of the tests above without the media bucket, so they run on DynamoDB
    Local too (its own item encoding: the `images` map, numbers, no `countingImages` set)."""
    ready = str(uuid.uuid4())
    record = {"status": "ready", "createdAt": CREATED, "width": 640, "height": 480, "readyAt": CREATED}
    bare = put_product(category="Older")
    with_images = put_product(category="Older", updatedAt=CREATED, imagesVersion=1, images={ready: record})
    listed = invoke("GET", "/products", query={"category": "Older", "limit": "100"})
    assert listed.status == 200, listed.body
    shown = {p["id"]: p for p in listed.data}
    assert shown[bare]["images"] == [] and shown[bare]["updatedAt"] == CREATED
    assert [image["id"] for image in shown[with_images]["images"]] == [ready]
    for pid in (bare, with_images):
        changed = invoke("PUT", f"/products/{pid}", body={"stockDelta": -1}, token=admin.token)
        assert (changed.status, changed.data["stock"]) == (200, 3), changed.body
        assert changed.data | {"stock": 4, "updatedAt": CREATED} == shown[pid]
