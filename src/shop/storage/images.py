"""Product images: records on the product item itself, so that reading a product (one GetItem,
or one page of a list) brings its images along with no extra reads.

`images` maps imageId -> {status, createdAt, ...}; `imagesVersion` counts every change to it.
Adding an image rewrites the whole map under a version check (the service has counted and
pruned it); settling and removing one change a single entry and bump the version, so a
concurrent add that read the older map fails its check and reads again.
"""

from __future__ import annotations

from typing import Any

from . import keys
from .dynamo import ConditionFailed, Table
from .failures import Missing, StatusChanged, VersionChanged
from .protocol import ImageSet

PROCESSING = "processing"


class DynamoImages:
    def __init__(self, table: Table):
        self.table = table

    def read(self, product_id: str) -> ImageSet | None:
        found = self.table.get(keys.key(product_id, keys.PRODUCT), consistent=True)
        if found is None:
            return None
        return ImageSet(dict(found.get("images") or {}), int(found.get("imagesVersion", 0)))

    def replace(self, product_id: str, images: dict[str, dict[str, Any]], version: int) -> None:
        values: dict[str, Any] = {":images": images, ":next": version + 1}
        if version == 0:
            condition = "attribute_exists(id) AND attribute_not_exists(imagesVersion)"
        else:
            condition = "attribute_exists(id) AND imagesVersion = :version"
            values[":version"] = version
        try:
            self.table.update(
                keys.key(product_id, keys.PRODUCT),
                UpdateExpression="SET images = :images, imagesVersion = :next",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            if failed.item is None and self.read(product_id) is None:
                raise Missing() from None
            raise VersionChanged() from None

    def settle(self, product_id: str, image_id: str, record: dict[str, Any]) -> None:
        try:
            self.table.update(
                keys.key(product_id, keys.PRODUCT),
                UpdateExpression="SET images.#image = :record, imagesVersion = imagesVersion + :one",
                ConditionExpression="images.#image.#status = :processing",
                ExpressionAttributeNames={"#image": image_id, "#status": "status"},
                ExpressionAttributeValues={":record": record, ":one": 1, ":processing": PROCESSING},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            found = ((failed.item or {}).get("images") or {}).get(image_id)
            if found is None:
                raise Missing() from None
            raise StatusChanged(found.get("status", "")) from None

    def remove(self, product_id: str, image_id: str) -> None:
        try:
            self.table.update(
                keys.key(product_id, keys.PRODUCT),
                UpdateExpression="REMOVE images.#image SET imagesVersion = imagesVersion + :one",
                ConditionExpression="attribute_exists(images.#image)",
                ExpressionAttributeNames={"#image": image_id},
                ExpressionAttributeValues={":one": 1},
            )
        except ConditionFailed:
            raise Missing() from None
