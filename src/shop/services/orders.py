"""Orders: server-side pricing, stock taken atomically with the order, idempotent retries,
and the lifecycle."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import config, money
from ..clock import now_iso
from ..domain import order as aggregate
from ..domain.customer import Customer
from ..domain.product import Product
from ..errors import (
    AmountNotChargeable,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PriceChanged,
    ProductNotFound,
    ServiceUnavailable,
)
from ..storage.failures import KeyClaimed, LinesRejected
from ..storage.records import IdempotencyClaim, OrderLine, Page
from ..tokens import Caller
from . import history, order_writes
from .access import is_admin

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
TRANSITIONS = aggregate.TRANSITIONS  # the lifecycle lives in the aggregate (shop.domain.order)
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


class _LineProblems:
    """Every failing line, by kind; the worst kind present is what the client is told."""

    def __init__(self) -> None:
        self.missing: dict[str, list[str]] = {}
        self.repriced: dict[str, list[str]] = {}
        self.short: dict[str, list[str]] = {}

    def check(self, index: int, product_id: str, product: Product | None, quantity: int, price: Any) -> None:
        """`price` is what the line expects (None: any); `product` is the catalogue's, as found."""
        if product is None:
            self.missing[f"items.{index}.productId"] = [f"Product {product_id} does not exist."]
            return
        current = product.price
        if price is not None and Decimal(price) != current:
            self.repriced[f"items.{index}.price"] = [f"Price of {product_id} is now {current}."]
        if product.stock < quantity:
            self.short[f"items.{index}.quantity"] = [f"Only {product.stock} of {product_id} left in stock."]

    def worst(self) -> Exception | None:
        if self.missing:
            return ProductNotFound(details=self.missing)
        if self.repriced:
            return PriceChanged(details=self.repriced)
        if self.short:
            return OutOfStock(details=self.short)
        return None


def price_lines(lines: list[dict[str, Any]], catalogue: dict[str, Product]) -> list[dict[str, Any]]:
    """Price every line from the catalogue; report every failing line of the worst kind."""
    problems = _LineProblems()
    priced = []
    for index, line in enumerate(lines):
        product = catalogue.get(line["productId"])
        problems.check(index, line["productId"], product, line["quantity"], line.get("price"))
        if product is not None:
            price = product.price
            priced.append(
                {
                    "productId": product.id,
                    "name": product.name,
                    "price": price,
                    "quantity": line["quantity"],
                    "lineTotal": price * line["quantity"],
                }
            )
    error = problems.worst()
    if error is not None:
        raise error
    return priced


def rejected_error(rejected: LinesRejected) -> Exception:
    """What the transaction found, told as the pre-check would have told it."""
    problems = _LineProblems()
    for rejection in rejected.rejections:
        line = rejection.line
        problems.check(rejection.index, line.product_id, rejection.product, line.quantity, line.price)
    # Lines that failed but look fine when read again lost a race: worth a retry.
    return problems.worst() or ServiceUnavailable(retry_after=1)


def replay(store: Storage, record: dict[str, Any] | None, digest: str) -> tuple[dict[str, Any], bool]:
    if record is None:  # expired between the claim failing and this read: a retry will start afresh
        raise ServiceUnavailable(retry_after=1)
    if record["requestHash"] != digest:
        raise IdempotencyKeyReused()
    order = store.orders.get(record["orderId"], consistent=True)
    if order is None:
        raise ServiceUnavailable(retry_after=1)
    return order, True


def new_order(caller: Caller, items: list[dict[str, Any]], address: dict[str, Any]) -> dict[str, Any]:
    """A pending order of priced lines, waiting for its payment. A total the provider could never
    charge (Stripe: at most 99,999,999 minor units) is refused now, not at payment time."""
    now = now_iso()
    total = sum((item["lineTotal"] for item in items), Decimal("0.00"))
    currency = config.payment_settings().currency
    if not money.chargeable(total, currency):
        raise AmountNotChargeable(details={"totalAmount": [f"At most {money.max_charge(currency)} {currency}."]})
    return {
        "id": str(uuid.uuid4()),
        "userId": caller.user_id,
        "customer": Customer.of(caller.account, caller.email).to_item(),
        "status": "pending",
        "items": items,
        "totalAmount": total,
        "shippingAddress": address,
        "payment": {"status": "requires_payment", "amount": total, "currency": currency},
        "statusHistory": [history.entry("pending", now, history.CUSTOMER)],
        "createdAt": now,
        "updatedAt": now,
    }


def new_claim(caller: Caller, idempotency_key: str | None, digest: str) -> IdempotencyClaim | None:
    if idempotency_key is None:
        return None
    return IdempotencyClaim(caller.user_id, idempotency_key, digest, int(time.time()) + IDEMPOTENCY_TTL_SECONDS)


def create(
    store: Storage, caller: Caller, payload: dict[str, Any], idempotency_key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Returns (order, replayed)."""
    digest = request_hash(payload)
    if idempotency_key is not None:
        record = store.idempotency.get(caller.user_id, idempotency_key)
        if record is not None:
            return replay(store, record, digest)

    try:
        catalogue = store.products.get_many([line["productId"] for line in payload["items"]])
        items = price_lines(payload["items"], catalogue)
    except (ProductNotFound, PriceChanged, OutOfStock):
        # A concurrent retry with this key may be what just took the stock: then this
        # request is that retry, and answers with its order rather than a 409.
        record = store.idempotency.get(caller.user_id, idempotency_key) if idempotency_key else None
        if record is not None:
            return replay(store, record, digest)
        raise
    order = new_order(caller, items, payload["shippingAddress"])
    claim = new_claim(caller, idempotency_key, digest)
    lines = [OrderLine(item["productId"], item["quantity"], item["price"]) for item in items]
    try:
        store.orders.create(order, lines, claim)
    except KeyClaimed as claimed:  # a concurrent retry with the same key won the race
        return replay(store, claimed.record, digest)
    except LinesRejected as rejected:  # the stock or a price moved since the read above
        raise rejected_error(rejected) from None
    return order, False


def get(store: Storage, caller: Caller, order_id: str) -> dict[str, Any]:
    # Consistent: the reader is usually the one who just placed or moved the order, and an
    # eventually consistent read could still miss that write (a 404 right after a 201).
    order = store.orders.get(order_id, consistent=True)
    # Someone else's order is indistinguishable from a missing one.
    if order is None or (order["userId"] != caller.user_id and not is_admin(store, caller)):
        raise NotFound("Order not found")
    return history.shown(order)


def list_page(
    store: Storage, caller: Caller, limit: int, cursor: str | None, status: str | None = None
) -> Page[dict[str, Any]]:
    """Own orders (optionally in one status); an admin asking for a status sees everyone's."""
    if status is not None and is_admin(store, caller):
        found = store.orders.list_in_status(status, limit, cursor)
    else:
        found = store.orders.list_for_user(caller.user_id, limit, cursor, status)
    return Page(items=[history.shown(order) for order in found.items], next_cursor=found.next_cursor)


def _move(store: Storage, order_id: str, decide: Any, read: dict[str, Any] | None = None) -> dict[str, Any]:
    first = order_writes.as_order(read) if read is not None else None
    moved = order_writes.apply(store, order_id, decide, first)
    if any(refund.status == "pending" for refund in moved.refunds):  # a paid order's cancel
        from . import refunds  # the provider: only for the moves that give money back

        moved = refunds.settle_pending(store, moved)
    return history.shown(moved.to_item())


def cancel(store: Storage, caller: Caller, order_id: str) -> dict[str, Any]:
    """The owner may cancel while pending; an admin while pending or paid. Stock goes back."""
    order = store.orders.get(order_id, consistent=True)
    if order is None:
        raise NotFound("Order not found")
    admin = order["userId"] != caller.user_id or order["status"] not in OWNER_CANCELLABLE
    if admin and not is_admin(store, caller):
        if order["userId"] != caller.user_id:  # someone else's order is indistinguishable from a missing one
            raise NotFound("Order not found")
        raise InvalidTransition(f"Order is {order['status']}; only an admin can cancel it now")

    refund = "r" + uuid.uuid4().hex[:15]  # a paid order's cancel refunds it in full

    def decide(current: aggregate.Order) -> aggregate.Change:
        if not admin and current.status not in OWNER_CANCELLABLE:  # moved on since the first read
            raise InvalidTransition(f"Order is {current.status}; only an admin can cancel it now")
        return current.cancel(history.ADMIN if admin else history.CUSTOMER, time.time(), refund)

    return _move(store, order_id, decide, order)


def update_status(
    store: Storage, caller: Caller, order_id: str, status: str, tracking: dict[str, str] | None = None
) -> dict[str, Any]:
    """Admin only (checked at the edge). Cancelling this way returns the stock too; `paid` is
    refused (only a payment marks an order paid). A move to shipped may record the parcel's
    `tracking`, in the same conditional write."""
    refund = "r" + uuid.uuid4().hex[:15]  # a paid order's cancel refunds it in full

    def decide(current: aggregate.Order) -> aggregate.Change:
        return current.move(status, history.ADMIN, time.time(), refund, tracking=tracking)

    return _move(store, order_id, decide)
