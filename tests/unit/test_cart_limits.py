"""The cart's line limit as the client is told it, on the in-memory fake."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.domain.product import Product
from shop.errors import CartFull
from shop.services import carts
from shop.tokens import Caller
from tests.fakes import FakeStorage


def test_the_fifty_first_product_is_refused_naming_the_limit():
    store = FakeStorage()
    me = Caller(user_id="u1", email="u1@example.com", role="customer")
    for n in range(51):
        store.products.create(
            Product.from_item(
                {
                    "id": f"p{n}",
                    "name": f"P{n}",
                    "price": Decimal("1.00"),
                    "category": "Things",
                    "stock": 5,
                    "createdAt": "2026-01-01T00:00:00.000Z",
                    "updatedAt": "2026-01-01T00:00:00.000Z",
                }
            )
        )
    for n in range(50):
        carts.put_line(store, me, f"p{n}", 1)
    with pytest.raises(CartFull) as full:
        carts.put_line(store, me, "p50", 1)
    assert full.value.details == {"productId": ["A cart holds at most 50 products."]}
    assert len(store.carts.get("u1").lines) == 50
