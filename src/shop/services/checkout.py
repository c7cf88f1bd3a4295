"""Checkout: the caller's cart becomes an order in one transaction with its stock decrements,
the emptying of that very cart (by version) and the idempotency claim. Any failure leaves the
cart as it was. Round trips: the cart, its products, the transaction."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import CartEmpty, PriceChanged, ServiceUnavailable
from ..storage.failures import CartChanged, KeyClaimed, LinesRejected
from ..storage.records import CartVersion, OrderLine
from ..tokens import Caller
from . import orders

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

# A checkout that meets a cart edit prices the edited cart again, a few times at most.
ATTEMPTS = 3


def request_hash(payload: dict[str, Any]) -> str:
    canonical = {
        "checkout": payload["shippingAddress"],
        "expectedTotal": str(payload["expectedTotal"]) if "expectedTotal" in payload else None,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _replay_if_claimed(store: Storage, caller: Caller, key: str | None, digest: str) -> tuple[dict[str, Any], bool]:
    record = store.idempotency.get(caller.user_id, key) if key else None
    if record is None:
        raise CartEmpty()
    return orders.replay(store, record, digest)


def checkout(
    store: Storage, caller: Caller, payload: dict[str, Any], idempotency_key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Returns (order, replayed)."""
    digest = request_hash(payload)
    if idempotency_key is not None:
        record = store.idempotency.get(caller.user_id, idempotency_key)
        if record is not None:
            return orders.replay(store, record, digest)
    for _ in range(ATTEMPTS):
        cart = store.carts.get(caller.user_id)
        if cart is None or not cart.lines:
            # A concurrent retry with this key may be what just emptied it: then answer its order.
            return _replay_if_claimed(store, caller, idempotency_key, digest)
        wanted: list[dict[str, Any]] = [{"productId": ln.product_id, "quantity": ln.quantity} for ln in cart.lines]
        catalogue = store.products.get_many([line["productId"] for line in wanted])
        items = orders.price_lines(wanted, catalogue)
        order = orders.new_order(caller, items, payload["shippingAddress"])
        expected = payload.get("expectedTotal")
        if expected is not None and Decimal(expected) != order["totalAmount"]:
            raise PriceChanged(
                "The cart's total is not the expected one",
                details={"totalAmount": [f"The cart's total is now {order['totalAmount']}."]},
            )
        lines = [OrderLine(item["productId"], item["quantity"], item["price"]) for item in items]
        try:
            store.orders.create(
                order,
                lines,
                orders.new_claim(caller, idempotency_key, digest),
                CartVersion(caller.user_id, cart.version or ""),
            )
        except KeyClaimed as claimed:  # a concurrent retry with the same key won
            return orders.replay(store, claimed.record, digest)
        except LinesRejected as rejected:
            raise orders.rejected_error(rejected) from None
        except CartChanged:
            continue  # edited, cleared or checked out meanwhile: read it again
        return order, False
    raise ServiceUnavailable(retry_after=1)
