"""Test data with random ids, so no test depends on another's data."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shop.tokens import Caller

STRONG_PASSWORD = "Corr3ct-Horse-Battery"
ADDRESS = {"street": "1 Main St", "city": "Springfield", "state": "IL", "zipCode": "62701", "country": "US"}


def email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def product_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": f"Widget {uuid.uuid4().hex[:6]}",
        "description": "A very useful widget.",
        "price": 19.99,
        "category": "Gadgets",
        "stock": 10,
        "imageUrl": "https://images.example/widget.png",
    }
    body.update(overrides)
    return body


def order_body(*lines: tuple[str, int], **overrides: Any) -> dict[str, Any]:
    body = {"items": [{"productId": pid, "quantity": qty} for pid, qty in lines], "shippingAddress": dict(ADDRESS)}
    body.update(overrides)
    return body


def caller(user_id: str = "u1") -> Caller:
    """A customer as a service receives it from the edge."""
    from shop.tokens import Caller

    return Caller(user_id=user_id, email=f"{user_id}@example.com", role="customer")


def add_product(store: Any, product_id: str, price: str = "10.00", stock: int = 5) -> dict[str, Any]:
    """A product stored as it is (no service rules), in the fake storage of the unit tests."""
    product = {
        "id": product_id,
        "name": product_id.title(),
        "price": Decimal(price),
        "category": "Things",
        "stock": stock,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
    }
    from shop.domain.product import Product

    store.products.create(Product.from_item(product))
    return product


# docs/API.md, "Products": the fields a product carries (and its ready `images`).
PRODUCT_FIELDS = frozenset(
    {"id", "name", "description", "price", "category", "stock", "imageUrl", "createdAt", "updatedAt", "images"}
)


def stored_order(user_id: str, lines: list[Any]) -> dict[str, Any]:
    """A pending order of `lines` (storage OrderLines) as the storage writes one, for tests that
    call `store.orders.create` directly."""
    created = "2026-01-02T00:00:00.000Z"
    return {
        "id": str(uuid.uuid4()),
        "userId": user_id,
        "status": "pending",
        "items": [
            {"productId": ln.product_id, "name": "Thing", "price": ln.price, "quantity": ln.quantity} for ln in lines
        ],
        "totalAmount": sum((ln.price * ln.quantity for ln in lines), Decimal("0")),
        "statusHistory": [{"status": "pending", "at": created, "by": "customer"}],
        "createdAt": created,
        "updatedAt": created,
    }


def shown(value: Any) -> Any:
    """What a service's answer shows a client: records through their `as_api()` (the one way a
    record becomes JSON, shop.jsonio), Decimals kept exact."""
    as_api = getattr(value, "as_api", None)
    if callable(as_api):
        return shown(as_api())
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown(v) for v in value]
    return value
