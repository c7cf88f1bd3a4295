"""Carts: one item per user, rewritten whole on every edit under an optimistic version.

The version is what lets a checkout empty exactly the cart it priced: its transaction deletes
the cart on condition that the version is still the one read (storage.orders.empty_cart).
"""

from __future__ import annotations

from typing import Any

from ..domain.cart import Cart
from . import keys
from .dynamo import ConditionFailed, Table
from .failures import CartChanged


class DynamoCarts:
    def __init__(self, table: Table):
        self.table = table

    def get(self, user_id: str) -> Cart | None:
        item = self.table.get(keys.cart(user_id), consistent=True)
        if item is None:
            return None
        return Cart.from_item({k: v for k, v in item.items() if k not in keys.STORAGE_FIELDS})

    def save(self, cart: Cart, expected_version: str | None, expires_at: int) -> None:
        item = {**cart.to_item(), **keys.cart(cart.user_id), keys.TTL_FIELD: expires_at}
        if expected_version is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(id)"}
        else:
            condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": expected_version},
            }
        try:
            self.table.put(item, **condition)
        except ConditionFailed:
            raise CartChanged() from None

    def clear(self, user_id: str) -> None:
        self.table.delete(keys.cart(user_id))
