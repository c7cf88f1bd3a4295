"""A customer's cart as stored (storage/carts.py: one item per user, rewritten whole under a
random version) and as the API shows it, priced live from the catalogue (`priced`).

Read from every shape ever stored: a line without `addedAt`, a cart without `updatedAt`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .product import Product

OK, SHORT, UNAVAILABLE = "ok", "insufficient_stock", "unavailable"


@dataclass(frozen=True)
class CartLine:
    product_id: str
    quantity: int
    name: str  # the product's, when the line was last set: shown if the product is deleted
    price: Decimal  # likewise
    added_at: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> CartLine:
        added = item.get("addedAt")
        return cls(
            product_id=str(item["productId"]),
            quantity=int(item["quantity"]),
            name=str(item.get("name", "")),
            price=Decimal(item.get("price", 0)),
            added_at=None if added is None else str(added),
        )

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "productId": self.product_id,
            "quantity": self.quantity,
            "name": self.name,
            "price": self.price,
        }
        if self.added_at is not None:
            item["addedAt"] = self.added_at
        return item


@dataclass(frozen=True)
class Cart:
    user_id: str
    lines: tuple[CartLine, ...] = ()
    version: str | None = None  # None: not stored yet
    updated_at: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Cart:
        updated = item.get("updatedAt")
        return cls(
            user_id=str(item["userId"]),
            lines=tuple(CartLine.from_item(line) for line in item.get("lines") or [] if isinstance(line, dict)),
            version=None if item.get("version") is None else str(item["version"]),
            updated_at=None if updated is None else str(updated),
        )

    def to_item(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "lines": [line.to_item() for line in self.lines],
            "version": self.version,
            "updatedAt": self.updated_at,
        }

    def product_ids(self) -> list[str]:
        return [line.product_id for line in self.lines]

    def priced(self, catalogue: Mapping[str, Product]) -> PricedCart:
        """The cart as the client sees it: current names and prices, and each line's status."""
        return PricedCart(tuple(PricedLine.of(line, catalogue.get(line.product_id)) for line in self.lines), self)


@dataclass(frozen=True)
class PricedLine:
    product_id: str
    name: str
    price: Decimal
    quantity: int
    status: str
    available_stock: int | None = None  # with insufficient_stock: the units in stock

    @classmethod
    def of(cls, line: CartLine, product: Product | None) -> PricedLine:
        if product is None:  # deleted: the last known name and price, and nothing to pay
            return cls(line.product_id, line.name, line.price, line.quantity, UNAVAILABLE)
        if product.stock < line.quantity:
            return cls(product.id, product.name, product.price, line.quantity, SHORT, product.stock)
        return cls(product.id, product.name, product.price, line.quantity, OK)

    @property
    def line_total(self) -> Decimal:
        return Decimal("0") if self.status == UNAVAILABLE else self.price * self.quantity

    def as_api(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "productId": self.product_id,
            "name": self.name,
            "price": self.price,
            "quantity": self.quantity,
            "lineTotal": self.line_total,
            "status": self.status,
        }
        if self.available_stock is not None:
            shown["availableStock"] = self.available_stock
        return shown


@dataclass(frozen=True)
class PricedCart:
    items: tuple[PricedLine, ...]
    cart: Cart

    def as_api(self) -> dict[str, Any]:
        return {
            "items": [line.as_api() for line in self.items],
            "totalAmount": sum((line.line_total for line in self.items), Decimal("0")),
            "itemCount": sum(line.quantity for line in self.cart.lines),
            "updatedAt": self.cart.updated_at,
        }
