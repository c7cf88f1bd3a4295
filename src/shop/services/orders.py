"""Orders: server-side pricing, stock taken atomically with the order, idempotent retries."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from decimal import Decimal
from typing import Any

from ..clock import now_iso
from ..errors import (
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PriceChanged,
    ProductNotFound,
    ServiceUnavailable,
)
from ..repository import IdempotencyClaim, IdempotencyConflict, OrderLine, Page, Repository
from ..tokens import Caller
from .access import is_admin

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
HISTORY_LIMIT = 20  # an order keeps its last 20 transitions; the lifecycle has at most 4
# The lifecycle: no status is ever entered twice, which the conditional writes rely on.
TRANSITIONS = {
    "pending": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}
OWNER_CANCELLABLE = frozenset({"pending"})


def request_hash(payload: dict[str, Any]) -> str:
    """Hash of the parsed request, so key order, spacing and line order don't matter."""
    canonical = {
        "items": sorted(
            ({k: str(v) for k, v in line.items()} for line in payload["items"]), key=lambda line: line["productId"]
        ),
        "shippingAddress": payload["shippingAddress"],
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _price_lines(lines: list[dict[str, Any]], catalogue: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Price every line from the catalogue; report every failing line of the worst kind."""
    missing: dict[str, list[str]] = {}
    repriced: dict[str, list[str]] = {}
    short: dict[str, list[str]] = {}
    priced = []
    for index, line in enumerate(lines):
        product = catalogue.get(line["productId"])
        if product is None:
            missing[f"items.{index}.productId"] = [f"Product {line['productId']} does not exist."]
            continue
        price = Decimal(product["price"])
        if "price" in line and line["price"] != price:
            repriced[f"items.{index}.price"] = [f"Price of {product['id']} is now {price}."]
        if product["stock"] < line["quantity"]:
            short[f"items.{index}.quantity"] = [f"Only {product['stock']} of {product['id']} left in stock."]
        priced.append(
            {
                "productId": product["id"],
                "name": product["name"],
                "price": price,
                "quantity": line["quantity"],
                "lineTotal": price * line["quantity"],
            }
        )
    if missing:
        raise ProductNotFound(details=missing)
    if repriced:
        raise PriceChanged(details=repriced)
    if short:
        raise OutOfStock(details=short)
    return priced


def _replay(repo: Repository, record: dict[str, Any] | None, digest: str) -> tuple[dict[str, Any], bool]:
    if record is None:  # expired between the claim failing and this read: a retry will start afresh
        raise ServiceUnavailable(retry_after=1)
    if record["requestHash"] != digest:
        raise IdempotencyKeyReused()
    order = repo.get_order(record["orderId"], consistent=True)
    if order is None:
        raise ServiceUnavailable(retry_after=1)
    return order, True


def place(
    repo: Repository, caller: Caller, payload: dict[str, Any], idempotency_key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Returns (order, replayed)."""
    digest = request_hash(payload)
    if idempotency_key is not None:
        record = repo.get_idempotency(caller.user_id, idempotency_key)
        if record is not None:
            return _replay(repo, record, digest)

    try:
        catalogue = repo.get_products([line["productId"] for line in payload["items"]])
        items = _price_lines(payload["items"], catalogue)
    except (ProductNotFound, PriceChanged, OutOfStock):
        # A concurrent retry with this key may be what just took the stock: then this
        # request is that retry, and answers with its order rather than a 409.
        record = repo.get_idempotency(caller.user_id, idempotency_key) if idempotency_key else None
        if record is not None:
            return _replay(repo, record, digest)
        raise
    now = now_iso()
    order = {
        "id": str(uuid.uuid4()),
        "userId": caller.user_id,
        "status": "pending",
        "items": items,
        "totalAmount": sum((item["lineTotal"] for item in items), Decimal("0.00")),
        "shippingAddress": payload["shippingAddress"],
        "statusHistory": [{"status": "pending", "at": now, "by": caller.user_id}],
        "createdAt": now,
        "updatedAt": now,
    }
    claim = None
    if idempotency_key is not None:
        claim = IdempotencyClaim(caller.user_id, idempotency_key, digest, int(time.time()) + IDEMPOTENCY_TTL_SECONDS)
    lines = [OrderLine(item["productId"], item["quantity"], item["price"]) for item in items]
    try:
        repo.place_order(order, lines, claim)
    except IdempotencyConflict as conflict:  # a concurrent retry with the same key won the race
        return _replay(repo, conflict.record, digest)
    return order, False


def get(repo: Repository, caller: Caller, order_id: str) -> dict[str, Any]:
    order = repo.get_order(order_id)
    # Someone else's order is indistinguishable from a missing one.
    if order is None or (order["userId"] != caller.user_id and not is_admin(repo, caller)):
        raise NotFound("Order not found")
    return order


def list_page(repo: Repository, caller: Caller, limit: int, cursor: str | None, status: str | None = None) -> Page:
    """Own orders (optionally in one status); an admin asking for a status sees everyone's."""
    if status is not None and is_admin(repo, caller):
        return repo.list_orders_by_status(status, limit, cursor)
    return repo.list_orders_for_user(caller.user_id, limit, cursor, status)


def _transition(repo: Repository, caller: Caller, order: dict[str, Any], status: str) -> dict[str, Any]:
    if status not in TRANSITIONS[order["status"]]:
        raise InvalidTransition(f"Order is {order['status']}; it cannot become {status}")
    now = now_iso()
    history = [*order.get("statusHistory", []), {"status": status, "at": now, "by": caller.user_id}]
    changes = {"status": status, "statusHistory": history[-HISTORY_LIMIT:], "updatedAt": now}
    return repo.change_order_status(order, changes, restock=status == "cancelled")


def cancel(repo: Repository, caller: Caller, order_id: str) -> dict[str, Any]:
    """The owner may cancel while pending; an admin while pending or paid. Stock goes back."""
    order = repo.get_order(order_id, consistent=True)
    if order is None:
        raise NotFound("Order not found")
    owner_may = order["userId"] == caller.user_id and order["status"] in OWNER_CANCELLABLE
    if not owner_may and not is_admin(repo, caller):
        if order["userId"] != caller.user_id:  # someone else's order is indistinguishable from a missing one
            raise NotFound("Order not found")
        raise InvalidTransition(f"Order is {order['status']}; only an admin can cancel it now")
    return _transition(repo, caller, order, "cancelled")


def move(repo: Repository, caller: Caller, order_id: str, status: str) -> dict[str, Any]:
    """Admin only (checked at the edge). Cancelling this way returns the stock too."""
    order = repo.get_order(order_id, consistent=True)
    if order is None:
        raise NotFound("Order not found")
    return _transition(repo, caller, order, status)
