"""The catalogue: products are written by admins and read by anyone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..clock import now_iso
from ..domain.product import Product
from ..errors import OutOfStock, ProductNotFound, StockLimitReached
from ..limits import MAX_STOCK
from ..storage.failures import Missing, StockOutOfBounds
from ..storage.records import Page
from .images import delete_files_of, shown

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def create(store: Storage, fields: dict[str, Any]) -> Product:
    product = Product.new(str(uuid.uuid4()), fields, now_iso())
    store.products.create(product)
    return shown(product)


def get(store: Storage, product_id: str) -> Product:
    product = store.products.get(product_id)
    if product is None:
        raise ProductNotFound()
    return shown(product)


def update(store: Storage, product_id: str, changes: dict[str, Any]) -> Product:
    """`stock` sets the count outright (a stocktake: last write wins); `stockDelta` adds to
    or takes from whatever the count is at write time, so no concurrent order is lost."""
    fields = dict(changes)
    delta = fields.pop("stockDelta", 0)
    try:
        return shown(store.products.update(product_id, {**fields, "updatedAt": now_iso()}, stock_delta=delta))
    except Missing:
        raise ProductNotFound() from None
    except StockOutOfBounds as bounds:
        if delta < 0:
            raise OutOfStock(
                details={"stockDelta": [f"Only {bounds.stock} in stock; cannot remove {-delta}."]}
            ) from None
        raise StockLimitReached(
            details={"stockDelta": [f"Stock would exceed {MAX_STOCK} (it is {bounds.stock})."]}
        ) from None


def delete(store: Storage, product_id: str, media: Callable[[], Any] | None = None) -> dict[str, Any]:
    """With `media` (the bucket, made on demand), the files of the product's images go too,
    after the item: a client never sees a product whose files are gone."""
    try:
        old = store.products.delete(product_id)
    except Missing:
        raise ProductNotFound() from None
    if media is not None and old is not None and old.images:
        delete_files_of(media(), old)
    return {"id": product_id, "deleted": True}


def list_page(store: Storage, category: str | None, limit: int, cursor: str | None) -> Page[Product]:
    found = store.products.list_page(category, limit, cursor)
    return Page([shown(product) for product in found.items], found.next_cursor)
