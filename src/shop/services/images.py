"""Product images: presigned uploads, their processing, and what clients see of them.

An image is a record on its product: `processing` from the moment an upload is signed,
then `ready` (with its renditions) or `rejected` (with a reason). At most MAX_IMAGES
records that count (ready ones, and processing ones whose upload may still arrive) per
product, enforced by one conditional write on the size of the set of those ids (concurrent
uploads do not contend); the whole set is rewritten under a version check only for a product's
first image, to prune it, or to start counting on an item written before the count existed.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..clock import now_iso
from ..domain.image import PROCESSING, READY, REJECTED, Image
from ..domain.product import Product
from ..errors import NotFound, ProductNotFound, ServiceUnavailable, TooManyImages
from ..limits import MAX_IMAGE_BYTES
from ..log import logger
from ..storage import keys
from ..storage.failures import Full, Missing, StatusChanged, VersionChanged

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


MAX_IMAGES = 10
UPLOAD_SECONDS = 10 * 60
# An upload still unprocessed this long after its form expired never will be (processImage's
# timeout and retries have long passed): it stops counting and is pruned.
ABANDONED_GRACE_SECONDS = 15 * 60
REJECTED_KEPT = 10  # the newest rejections stay readable; older ones are pruned on the next upload
WRITE_ATTEMPTS = 5


def _abandoned(image: Image, now: int) -> bool:
    expires = image.upload_expires_at
    return image.status == PROCESSING and expires is not None and now > expires + ABANDONED_GRACE_SECONDS


def _ordered(images: dict[str, Image]) -> list[Image]:
    return sorted(images.values(), key=lambda image: (image.created_at, image.id))


def _pruned(images: dict[str, Image], now: int) -> tuple[dict[str, Image], list[str]]:
    """The records worth keeping, and the ids dropped (abandoned uploads, old rejections)."""
    keep = {i: image for i, image in images.items() if not _abandoned(image, now)}
    rejected = [image.id for image in _ordered(keep) if image.status == REJECTED]
    for image_id in rejected[:-REJECTED_KEPT] if len(rejected) > REJECTED_KEPT else []:
        del keep[image_id]
    return keep, [i for i in images if i not in keep]


def create_upload(store: Storage, media: Any, product_id: str, content_type: str) -> dict[str, Any]:
    image_id = str(uuid.uuid4())
    for _ in range(WRITE_ATTEMPTS):
        found = store.images.read(product_id)
        if found is None:
            raise ProductNotFound()
        now = int(time.time())
        images, dropped = _pruned(found.images, now)
        counting = {i for i, image in images.items() if image.status != REJECTED}
        if len(counting) >= MAX_IMAGES:
            raise _too_many()
        expires = now + UPLOAD_SECONDS
        record = Image(image_id, PROCESSING, now_iso(), content_type=content_type, upload_expires_at=expires)
        try:
            if dropped or not found.images or found.counting != counting:
                store.images.replace(product_id, {**images, image_id: record}, found.version)
            else:
                store.images.add(product_id, record, MAX_IMAGES)
        except Missing:
            raise ProductNotFound() from None
        except Full:
            raise _too_many() from None
        except VersionChanged:
            continue  # another upload, or a processed image, changed the set: count again
        if dropped:
            media.delete([f for image in dropped for f in keys.image_files(product_id, image)])
        upload = media.presign_upload(keys.upload(product_id, image_id), content_type, MAX_IMAGE_BYTES, UPLOAD_SECONDS)
        return {
            "imageId": image_id,
            "upload": {"url": upload.url, "fields": upload.fields},
            "expiresAt": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
        }
    raise ServiceUnavailable(retry_after=1)


def _too_many() -> TooManyImages:
    return TooManyImages(details={"images": [f"A product has at most {MAX_IMAGES} images."]})


def urls(product_id: str, image_id: str, base_url: str) -> dict[str, str]:
    return {size: f"{base_url}/{keys.rendition(product_id, image_id, size)}" for size in keys.RENDITION_SIZES}


def shown(product: Product) -> Product:
    """The product as an answer shows it: its ready images' URLs resolved (absolute, on the media
    CDN), for its `as_api()`."""
    if not product.ready_images:
        return product
    base_url = _base_url()
    images = tuple(
        replace(image, urls=urls(product.id, image.id, base_url)) if image.status == READY else image
        for image in product.images
    )
    return replace(product, images=images)


def _base_url() -> str:
    from .. import config

    base_url = config.media_settings().base_url
    if not base_url:
        raise config.ConfigError("MEDIA_BASE_URL is not set")
    return base_url


def get(store: Storage, product_id: str, image_id: str) -> Image:
    """The image's state (its `as_api()`): an upload never made is rejected as `not_uploaded`."""
    found = store.images.read(product_id)
    if found is None:
        raise ProductNotFound()
    image = found.images.get(image_id)
    if image is None:
        raise NotFound("Image not found")
    if _abandoned(image, int(time.time())):
        return replace(image, status=REJECTED, reason="not_uploaded")
    if image.status == READY:
        return replace(image, urls=urls(product_id, image_id, _base_url()))
    return image


def delete(store: Storage, media: Any, product_id: str, image_id: str) -> dict[str, Any]:
    try:
        store.images.remove(product_id, image_id)
    except Missing:
        if store.images.read(product_id) is None:
            raise ProductNotFound() from None
        raise NotFound("Image not found") from None
    # The record goes first: a client never sees a URL whose file is gone.
    media.delete(keys.image_files(product_id, image_id))
    return {"id": image_id, "deleted": True}


def delete_files_of(media: Any, product: Product) -> None:
    """Every file of a deleted product's images (an upload still in flight is cleaned up by
    processImage, whose write then finds the product gone)."""
    files = [f for image in product.images for f in keys.image_files(product.id, image.id)]
    media.delete(files)


def process_event(store: Storage, media: Any, records: list[dict[str, Any]]) -> list[str]:
    """Each S3 record of an ObjectCreated event on this bucket, processed; one log line each."""
    from urllib.parse import unquote_plus

    outcomes = []
    for record in records:
        s3 = record.get("s3") or {}
        key = unquote_plus((s3.get("object") or {}).get("key", ""))  # event keys are URL-encoded
        started = time.perf_counter()
        created = str(record.get("eventName", "")).startswith("ObjectCreated")
        ours = created and (s3.get("bucket") or {}).get("name") == media.bucket
        outcome = process_upload(store, media, key) if ours else "ignored"
        duration = round((time.perf_counter() - started) * 1000, 2)
        logger.info("upload", extra={"key": key, "outcome": outcome, "durationMs": duration})
        outcomes.append(outcome)
    return outcomes


def process_upload(store: Storage, media: Any, object_key: str) -> str:
    """processImage's work for one uploaded object; returns what happened. Safe to run twice."""
    from .. import imaging
    from ..storage.media import TooLarge

    ids = keys.parse_upload(object_key)
    if ids is None:
        return "ignored"
    product_id, image_id = ids
    found = store.images.read(product_id)
    record = found.images.get(image_id) if found else None
    if record is None or record.status != PROCESSING:
        # Done before (a repeated event), deleted, or never signed: nothing may stay behind.
        media.delete([keys.upload(product_id, image_id)])
        if record is None:
            media.delete(keys.image_files(product_id, image_id))
        return "stale"
    refusal: str | None
    try:
        data = media.read(object_key, MAX_IMAGE_BYTES)
    except TooLarge:
        data, refusal = None, "too_large"
    else:
        if data is None:
            return "missing"  # a repeated event after the upload was processed and deleted
        refusal = None
    outcome: Image
    try:
        if refusal:
            raise imaging.Refused(refusal)
        processed = imaging.process(data or b"")
    except imaging.Refused as refused:
        outcome = replace(record, status=REJECTED, reason=refused.reason, rejected_at=now_iso())
        outcome = replace(outcome, upload_expires_at=None)
    else:
        for size, rendition in processed.renditions.items():
            media.put(keys.rendition(product_id, image_id, size), rendition.data, "image/webp")
        outcome = Image(
            image_id, READY, record.created_at, width=processed.width, height=processed.height, ready_at=now_iso()
        )
    try:
        store.images.settle(product_id, outcome)
    except Missing:
        # The product or the image was deleted while this ran: leave nothing behind.
        media.delete(keys.image_files(product_id, image_id))
        return "orphaned"
    except StatusChanged:
        pass  # a concurrent run of the same event settled it first, with the same files
    media.delete([keys.upload(product_id, image_id)])
    return outcome.status
