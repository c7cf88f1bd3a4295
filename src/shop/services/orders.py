"""Orders: server-side pricing, stock taken atomically with the order, idempotent retries."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from decimal import Decimal
from typing import Any

from ..clock import now_iso
from ..errors import IdempotencyKeyReused, NotFound, OutOfStock, PriceChanged, ProductNotFound, ServiceUnavailable
from ..repository import IdempotencyClaim, IdempotencyConflict, OrderLine, Page, Repository
from ..tokens import Caller
from .access import is_admin

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


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

    catalogue = repo.get_products([line["productId"] for line in payload["items"]])
    items = _price_lines(payload["items"], catalogue)
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


def list_page(repo: Repository, caller: Caller, limit: int, cursor: str | None) -> Page:
    return repo.list_orders_for_user(caller.user_id, limit, cursor)
