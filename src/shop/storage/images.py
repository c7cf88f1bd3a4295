"""Product images: records on the product item itself, so that reading a product (one GetItem,
or one page of a list) brings its images along with no extra reads.

`images` maps imageId -> {status, createdAt, ...}; `imagesVersion` counts every change to it;
`countingImages` is the string set of the ids whose record is not rejected (absent when empty).
Adding an image is one UpdateItem whose condition is the set's size (`add`): concurrent adds
never contend, DynamoDB applies them one after the other and refuses the one past the limit.
Rewriting the whole map (`replace`, when the service prunes it, or the first image of a product)
goes under a version check and rewrites the set with it; settling and removing one change a
single entry, the set and the version.
"""

from __future__ import annotations

from typing import Any

from ..domain.image import REJECTED, Image
from . import keys
from .dynamo import ConditionFailed, Table
from .failures import Full, Missing, StatusChanged, VersionChanged
from .records import ImageSet

PROCESSING = "processing"


def _counting(images: dict[str, Image]) -> set[str]:
    return {image_id for image_id, image in images.items() if image.status != REJECTED}


class DynamoImages:
    def __init__(self, table: Table):
        self.table = table

    def read(self, product_id: str) -> ImageSet | None:
        found = self.table.get(keys.key(product_id, keys.PRODUCT), consistent=True)
        if found is None:
            return None
        counting = frozenset(found.get("countingImages") or ())
        records = found.get("images") or {}
        images = {str(i): Image.from_item(str(i), r) for i, r in records.items() if isinstance(r, dict)}
        return ImageSet(images, int(found.get("imagesVersion", 0)), counting)

    def add(self, product_id: str, image: Image, limit: int) -> None:
        image_id, record = image.id, image.to_item()
        try:
            self.table.update(
                keys.key(product_id, keys.PRODUCT),
                UpdateExpression="SET images.#image = :record, imagesVersion = imagesVersion + :one"
                " ADD countingImages :ids",
                ConditionExpression="attribute_exists(images) AND attribute_exists(imagesVersion)"
                " AND attribute_not_exists(images.#image)"
                " AND (attribute_not_exists(countingImages) OR size(countingImages) < :limit)",
                ExpressionAttributeNames={"#image": image_id},
                ExpressionAttributeValues={":record": record, ":one": 1, ":ids": {image_id}, ":limit": limit},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            found = failed.item
            if found is None:
                raise Missing() from None
            if len(found.get("countingImages") or ()) >= limit:
                raise Full() from None
            raise VersionChanged() from None

    def replace(self, product_id: str, images: dict[str, Image], version: int) -> None:
        counting = _counting(images)
        records = {image_id: image.to_item() for image_id, image in images.items()}
        values: dict[str, Any] = {":images": records, ":next": version + 1}
        update = "SET images = :images, imagesVersion = :next"
        if counting:
            update += ", countingImages = :counting"
            values[":counting"] = counting
        else:
            update += " REMOVE countingImages"
        if version == 0:
            condition = "attribute_exists(id) AND attribute_not_exists(imagesVersion)"
        else:
            condition = "attribute_exists(id) AND imagesVersion = :version"
            values[":version"] = version
        try:
            self.table.update(
                keys.key(product_id, keys.PRODUCT),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            if failed.item is None and self.read(product_id) is None:
                raise Missing() from None
            raise VersionChanged() from None

    def settle(self, product_id: str, image: Image) -> None:
        image_id = image.id
        update = "SET images.#image = :record, imagesVersion = imagesVersion + :one"
        values: dict[str, Any] = {":record": image.to_item(), ":one": 1, ":processing": PROCESSING}
        if image.status == REJECTED:  # it no longer counts
            update += " DELETE countingImages :ids"
            values[":ids"] = {image_id}
        try:
            self.table.update(
                keys.key(product_id, keys.PRODUCT),
                UpdateExpression=update,
                ConditionExpression="images.#image.#status = :processing",
                ExpressionAttributeNames={"#image": image_id, "#status": "status"},
                ExpressionAttributeValues=values,
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
                UpdateExpression="REMOVE images.#image SET imagesVersion = imagesVersion + :one"
                " DELETE countingImages :ids",
                ConditionExpression="attribute_exists(images.#image)",
                ExpressionAttributeNames={"#image": image_id},
                ExpressionAttributeValues={":one": 1, ":ids": {image_id}},
            )
        except ConditionFailed:
            raise Missing() from None
