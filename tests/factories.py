"""Test data with random ids, so no test depends on another's data."""

from __future__ import annotations

import uuid
from typing import Any

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
