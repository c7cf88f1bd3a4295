"""Carts: one per user, priced live from the catalogue at every read, never reserving stock.

Every edit rewrites the cart under a fresh random version, on condition that the stored one is
the version read; a lost race re-reads and re-applies the edit. The random version (not a
counter) is what lets a checkout delete exactly the cart it priced, even across a clear and
a refill in between.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from ..clock import now_iso
from ..domain.cart import Cart, CartLine, PricedCart
from ..domain.product import Product
from ..errors import CartFull, OutOfStock, ProductNotFound, ServiceUnavailable
from ..storage.failures import CartChanged
from ..tokens import Caller

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

MAX_LINES = 50
TTL_SECONDS = 30 * 24 * 3600  # a cart unused for 30 days disappears
SAVE_ATTEMPTS = 4


def _read(store: Storage, user_id: str) -> Cart:
    return store.carts.get(user_id) or Cart(user_id)


def _catalogue(store: Storage, product_ids: list[str]) -> dict[str, Product]:
    return store.products.get_many(list(dict.fromkeys(product_ids))) if product_ids else {}


def _save(store: Storage, cart: Cart, lines: tuple[CartLine, ...]) -> Cart:
    saved = Cart(cart.user_id, lines, uuid.uuid4().hex, now_iso())
    store.carts.save(saved, cart.version, int(time.time()) + TTL_SECONDS)
    return saved


def get(store: Storage, caller: Caller) -> PricedCart:
    cart = _read(store, caller.user_id)
    return cart.priced(_catalogue(store, cart.product_ids()))


def put_line(store: Storage, caller: Caller, product_id: str, quantity: int) -> PricedCart:
    """Sets the line to `quantity` units. Round trips: the cart, its products, the write."""
    for _ in range(SAVE_ATTEMPTS):
        cart = _read(store, caller.user_id)
        catalogue = _catalogue(store, [*cart.product_ids(), product_id])
        product = catalogue.get(product_id)
        if product is None:
            raise ProductNotFound(details={"productId": [f"Product {product_id} does not exist."]})
        if product.stock < quantity:
            raise OutOfStock(details={"quantity": [f"Only {product.stock} of {product_id} left in stock."]})
        existing = next((line for line in cart.lines if line.product_id == product_id), None)
        if existing is not None:
            entry = replace(existing, quantity=quantity, name=product.name, price=product.price)
            lines = tuple(entry if line is existing else line for line in cart.lines)
        elif len(cart.lines) >= MAX_LINES:
            raise CartFull(details={"productId": [f"A cart holds at most {MAX_LINES} products."]})
        else:
            lines = (*cart.lines, CartLine(product_id, quantity, product.name, product.price, now_iso()))
        try:
            return _save(store, cart, lines).priced(catalogue)
        except CartChanged:
            continue  # another edit landed in between: apply this one to it
    raise ServiceUnavailable(retry_after=1)


def remove_line(store: Storage, caller: Caller, product_id: str) -> PricedCart:
    for _ in range(SAVE_ATTEMPTS):
        cart = _read(store, caller.user_id)
        lines = tuple(line for line in cart.lines if line.product_id != product_id)
        if len(lines) != len(cart.lines):
            try:
                cart = _save(store, cart, lines)
            except CartChanged:
                continue
        return cart.priced(_catalogue(store, cart.product_ids()))
    raise ServiceUnavailable(retry_after=1)


def clear(store: Storage, caller: Caller) -> PricedCart:
    store.carts.clear(caller.user_id)
    return Cart(caller.user_id).priced({})
