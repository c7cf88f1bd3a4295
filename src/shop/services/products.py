"""The catalogue: products are written by admins and read by anyone."""

from __future__ import annotations

import uuid
from typing import Any

from ..clock import now_iso
from ..errors import ProductNotFound
from ..repository import Page, Repository


def create(repo: Repository, fields: dict[str, Any]) -> dict[str, Any]:
    now = now_iso()
    product = {"id": str(uuid.uuid4()), **fields, "createdAt": now, "updatedAt": now}
    repo.put_product(product)
    return product


def get(repo: Repository, product_id: str) -> dict[str, Any]:
    product = repo.get_product(product_id)
    if product is None:
        raise ProductNotFound()
    return product


def update(repo: Repository, product_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """`stock` sets the count outright (a stocktake: last write wins); `stockDelta` adds to
    or takes from whatever the count is at write time, so no concurrent order is lost."""
    fields = dict(changes)
    delta = fields.pop("stockDelta", 0)
    return repo.update_product(product_id, {**fields, "updatedAt": now_iso()}, stock_delta=delta)


def delete(repo: Repository, product_id: str) -> dict[str, Any]:
    repo.delete_product(product_id)
    return {"id": product_id, "deleted": True}


def list_page(repo: Repository, category: str | None, limit: int, cursor: str | None) -> Page:
    return repo.list_products(category, limit, cursor)
