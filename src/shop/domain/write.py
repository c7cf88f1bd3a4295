"""The one write an aggregate method's decision is stored with (shop.domain.order's `Change`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Write:
    """Store `changes` (top-level attributes) on condition that the order is still at the version
    and status of `before` (the item as read: 0 is an item stored before versions); with
    `restock`, every line's quantity goes back to its product in the same transaction; with
    `restock_lines` (a received return's `{productId, quantity}`), those units only."""

    before: dict[str, Any]
    changes: dict[str, Any]
    restock: bool = False
    restock_lines: tuple[dict[str, Any], ...] = ()

    @property
    def order_id(self) -> str:
        return str(self.before["id"])
