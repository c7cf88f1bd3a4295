"""Carts: one per user, priced live from the catalogue at every read, never reserving stock.

Every edit rewrites the cart under a fresh random version, on condition that the stored one is
the version read; a lost race re-reads and re-applies the edit. The random version (not a
counter) is what lets a checkout delete exactly the cart it priced, even across a clear and
a refill in between.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

from ..clock import now_iso
from ..errors import CartFull, OutOfStock, ProductNotFound, ServiceUnavailable
from ..storage.failures import CartChanged
from ..storage.protocol import Storage
from ..tokens import Caller

MAX_LINES = 50
TTL_SECONDS = 30 * 24 * 3600  # a cart unused for 30 days disappears
SAVE_ATTEMPTS = 4


def empty(user_id: str) -> dict[str, Any]:
    return {"userId": user_id, "lines": [], "version": None, "updatedAt": None}


def view(cart: dict[str, Any], catalogue: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The cart as the client sees it: current names and prices, and each line's status."""
    items = []
    total = Decimal("0")
    for line in cart["lines"]:
        product = catalogue.get(line["productId"])
        quantity = line["quantity"]
        if product is None:  # deleted: the last known name and price, and nothing to pay
            items.append(
                {
                    "productId": line["productId"],
                    "name": line["name"],
                    "price": line["price"],
                    "quantity": quantity,
                    "lineTotal": Decimal("0"),
                    "status": "unavailable",
                }
            )
            continue
        price = Decimal(product["price"])
        item = {
            "productId": product["id"],
            "name": product["name"],
            "price": price,
            "quantity": quantity,
            "lineTotal": price * quantity,
            "status": "ok",
        }
        if int(product["stock"]) < quantity:
            item.update(status="insufficient_stock", availableStock=int(product["stock"]))
        total += item["lineTotal"]
        items.append(item)
    return {
        "items": items,
        "totalAmount": total,
        "itemCount": sum(line["quantity"] for line in cart["lines"]),
        "updatedAt": cart["updatedAt"],
    }


def _read(store: Storage, user_id: str) -> dict[str, Any]:
    return store.carts.get(user_id) or empty(user_id)


def _catalogue(store: Storage, product_ids: list[str]) -> dict[str, dict[str, Any]]:
    return store.products.get_many(list(dict.fromkeys(product_ids))) if product_ids else {}


def _save(store: Storage, cart: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    saved = {"userId": cart["userId"], "lines": lines, "version": uuid.uuid4().hex, "updatedAt": now_iso()}
    store.carts.save(saved, cart["version"], int(time.time()) + TTL_SECONDS)
    return saved


def get(store: Storage, caller: Caller) -> dict[str, Any]:
    cart = _read(store, caller.user_id)
    return view(cart, _catalogue(store, [line["productId"] for line in cart["lines"]]))


def put_line(store: Storage, caller: Caller, product_id: str, quantity: int) -> dict[str, Any]:
    """Sets the line to `quantity` units. Round trips: the cart, its products, the write."""
    for _ in range(SAVE_ATTEMPTS):
        cart = _read(store, caller.user_id)
        catalogue = _catalogue(store, [*(line["productId"] for line in cart["lines"]), product_id])
        product = catalogue.get(product_id)
        if product is None:
            raise ProductNotFound(details={"productId": [f"Product {product_id} does not exist."]})
        if int(product["stock"]) < quantity:
            raise OutOfStock(details={"quantity": [f"Only {int(product['stock'])} of {product_id} left in stock."]})
        entry = {"productId": product_id, "quantity": quantity, "name": product["name"], "price": product["price"]}
        lines = [dict(line) for line in cart["lines"]]
        existing = next((line for line in lines if line["productId"] == product_id), None)
        if existing is not None:
            existing.update(entry)
        elif len(lines) >= MAX_LINES:
            raise CartFull(details={"productId": [f"A cart holds at most {MAX_LINES} products."]})
        else:
            lines.append({**entry, "addedAt": now_iso()})
        try:
            return view(_save(store, cart, lines), catalogue)
        except CartChanged:
            continue  # another edit landed in between: apply this one to it
    raise ServiceUnavailable(retry_after=1)


def remove_line(store: Storage, caller: Caller, product_id: str) -> dict[str, Any]:
    for _ in range(SAVE_ATTEMPTS):
        cart = _read(store, caller.user_id)
        lines = [line for line in cart["lines"] if line["productId"] != product_id]
        if len(lines) != len(cart["lines"]):
            try:
                cart = _save(store, cart, lines)
            except CartChanged:
                continue
        return view(cart, _catalogue(store, [line["productId"] for line in cart["lines"]]))
    raise ServiceUnavailable(retry_after=1)


def clear(store: Storage, caller: Caller) -> dict[str, Any]:
    store.carts.clear(caller.user_id)
    return view(empty(caller.user_id), {})
