"""Unpaid orders expire: a pending order older than PAYMENT_WINDOW_SECONDS moves to `expired`
and its stock returns, by a scheduled sweep (every 5 minutes on AWS; a background job of the
local server every EXPIRY_SWEEP_SECONDS).

The sweep reads only the orders it may expire: a Query on the status index, bounded by time,
paged. An order awaiting 3-D Secure has its payment cancelled at the provider first
(_released). Then it asks the provider again for every refund left pending (retry_refunds). Each
expiry is the same conditional transaction as a cancel (status still pending, no
payment attempt in flight, stock returned with it), so two sweeps running at once, or a sweep
racing a cancel or a payment, give exactly one outcome per order and return stock once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import config, deadline
from ..clock import iso
from ..domain.refusals import Refused
from ..log import logger
from ..storage.failures import Missing, StatusChanged
from . import order_writes

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

PAGE_SIZE = 100
# An expiry is two round trips (the products, the transaction): stop while both still fit.
STOP_MARGIN = 2 * deadline.ATTEMPT_BUDGET + deadline.RESERVE


@dataclass(frozen=True)
class SweepResult:
    expired: int
    skipped: int  # moved on since the index was read (paid, cancelled, expired by another sweep)
    more: bool = False  # stopped at the invocation's deadline: the next run goes on

    def as_dict(self) -> dict[str, Any]:
        return {"expired": self.expired, "skipped": self.skipped}


def scheduled(store: Storage, context: Any) -> dict[str, Any]:
    """One scheduled run: a sweep within the invocation's deadline (from the Lambda context),
    logged as one line; what is left goes to the next run."""
    time_limit = deadline.start(context)
    try:
        result = sweep(store)
    finally:
        deadline.end(time_limit)
    logger.info("expiry sweep", extra={**result.as_dict(), "more": result.more})
    return result.as_dict()


def sweep(store: Storage, now: float | None = None) -> SweepResult:
    now = time.time() if now is None else now
    cutoff = iso(now - config.payment_settings().window_seconds)
    expired = skipped = 0
    for order in store.orders.pending_before(cutoff, PAGE_SIZE):
        left = deadline.left()
        if left is not None and left < STOP_MARGIN:
            return SweepResult(expired, skipped, more=True)
        if order["status"] != "pending":
            continue
        if not _released(order):  # its payment awaiting authentication could still charge
            skipped += 1
            continue
        try:
            change = order_writes.as_order(order).expire(now)
            if change.write is not None:
                store.orders.save(change.write)
            expired += 1
        except (Refused, StatusChanged, Missing):  # an attempt in flight; moved since the index read
            skipped += 1
    retry_refunds(store)
    return SweepResult(expired, skipped)


def _released(order: dict[str, Any]) -> bool:
    """An order awaiting 3-D Secure has its payment cancelled at the provider before it expires,
    so that a late approval charges nothing. False when that cannot be done now (the provider is
    unreachable: the next sweep asks again) or need not be (the payment already succeeded: its
    webhook marks the order paid)."""
    payment = order.get("payment")
    if not isinstance(payment, dict) or payment.get("status") != "requires_action":
        return True
    from .. import metrics, providers  # the provider: only for an order awaiting authentication

    try:
        released = providers.provider().release(str(order["id"])) == "released"
    except providers.ProviderUnavailable:
        logger.warning("payment not released", extra={"orderId": order["id"]})
        return False
    if released:
        metrics.count(metrics.PAYMENT_RELEASED)
    return released


def retry_refunds(store: Storage) -> int:
    """Asks the provider again for every refund left pending (it failed or could not be reached
    when first asked): a refund is retried until it succeeds, never forgotten. Returns how many
    orders still have one due."""
    due = 0
    for order_id in store.orders.refunds_due(PAGE_SIZE):
        left = deadline.left()
        if left is not None and left < STOP_MARGIN:
            return due
        order = order_writes.read(store, order_id)
        if order is None:
            continue
        from . import refunds  # the provider: only when a refund is due

        settled = refunds.settle_pending(store, order)
        due += any(refund.status == "pending" for refund in settled.refunds)
    return due
