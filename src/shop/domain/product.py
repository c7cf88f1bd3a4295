"""A catalogue product as stored (storage/products.py) and as the API shows it.

Read from every shape ever stored: no `description` or `imageUrl` (both optional), no `updatedAt`
(read as its creation time), no `images` map, `imagesVersion` or `countingImages` (a product
written before images existed). `integrity.checked` has already refused an item without the
fields every product has (id, name, price, category, stock, createdAt)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .image import READY, Image


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    price: Decimal
    category: str
    stock: int
    created_at: str
    updated_at: str
    description: str | None = None
    image_url: str | None = None
    images: tuple[Image, ...] = ()  # every record, in upload order (ready, processing, rejected)
    images_version: int = 0  # counts every change to `images` (0: never had one)
    counting_images: frozenset[str] = frozenset()  # the records counted against the limit

    @classmethod
    def new(cls, product_id: str, fields: dict[str, Any], now: str) -> Product:
        """A product as an admin creates it, from the validated body (schemas.ProductCreateSchema)."""
        return cls.from_item({"id": product_id, **fields, "createdAt": now, "updatedAt": now})

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Product:
        created = str(item["createdAt"])
        records = item.get("images") or {}
        images = (Image.from_item(str(i), r) for i, r in records.items() if isinstance(r, dict))
        return cls(
            id=str(item["id"]),
            name=str(item["name"]),
            price=Decimal(str(item["price"])),  # str: a search document's price is a JSON float
            category=str(item["category"]),
            stock=int(item["stock"]),
            created_at=created,
            updated_at=str(item.get("updatedAt", created)),
            description=None if item.get("description") is None else str(item["description"]),
            image_url=None if item.get("imageUrl") is None else str(item["imageUrl"]),
            images=tuple(sorted(images, key=lambda image: (image.created_at, image.id))),
            images_version=int(item.get("imagesVersion", 0)),
            counting_images=frozenset(str(i) for i in item.get("countingImages") or ()),
        )

    def to_item(self) -> dict[str, Any]:
        """The stored attributes (without the table's keys); images only once it has had one."""
        item: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.description is not None:
            item["description"] = self.description
        item.update(price=self.price, category=self.category, stock=self.stock)
        if self.image_url is not None:
            item["imageUrl"] = self.image_url
        item.update(createdAt=self.created_at, updatedAt=self.updated_at)
        if self.images or self.images_version:
            item["images"] = {image.id: image.to_item() for image in self.images}
            item["imagesVersion"] = self.images_version
        if self.counting_images:
            item["countingImages"] = set(self.counting_images)
        return item

    @property
    def ready_images(self) -> tuple[Image, ...]:
        return tuple(image for image in self.images if image.status == READY)

    def as_api(self) -> dict[str, Any]:
        """As clients see it: `images` lists the ready ones in upload order, with their URLs
        (resolved by services.images.shown)."""
        shown: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.description is not None:
            shown["description"] = self.description
        shown.update(price=self.price, category=self.category, stock=self.stock)
        if self.image_url is not None:
            shown["imageUrl"] = self.image_url
        shown.update(createdAt=self.created_at, updatedAt=self.updated_at)
        shown["images"] = [image.as_product_image() for image in self.ready_images]
        return shown
