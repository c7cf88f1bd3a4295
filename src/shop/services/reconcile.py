"""Reconciliation: the provider's ledger against the orders (docs/API.md, "Refunds").

For every order the ledger names, and every order that says it was paid: what the provider kept
(charged - refunded) must equal what the order says is due, its total less the refunds it records
as given back when `paid`, `shipped` or `delivered`, and 0 when it is anything else (a cancelled
or expired order keeps no money; a pending one has none yet). Each difference names the order.

`make reconcile` compares a whole local ledger; the scheduled function on AWS compares only the
orders whose money may have moved in its lookback (candidates(); docs/ORDERS.md says why).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import config, deadline, metrics, providers
from ..clock import iso
from ..domain import refund as refunds
from ..domain.order import Order
from ..log import logger
from ..providers import PaymentProvider
from . import order_writes

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

KEEPS_MONEY = ("paid", "shipped", "delivered")
PAGE = 100
STOP_MARGIN = 3 * deadline.ATTEMPT_BUDGET + deadline.RESERVE  # one order: two provider calls and a read


@dataclass(frozen=True)
class Difference:
    order_id: str
    status: str | None  # None: the ledger names an order the table does not have
    due: Decimal  # what the order says the provider should hold
    held: Decimal  # what the provider's ledger holds

    def as_dict(self) -> dict[str, Any]:
        return {"orderId": self.order_id, "status": self.status, "due": self.due, "held": self.held}


def due(order: Order) -> Decimal:
    if order.status not in KEEPS_MONEY:
        return Decimal("0")
    return order.total - refunds.refunded(order.refunds)


def held(ledger: Iterable[dict[str, Any]]) -> dict[str, Decimal]:
    """charged - refunded per order id, from ledger entries {orderId, kind, amount, status}."""
    net: dict[str, Decimal] = defaultdict(Decimal)
    for entry in ledger:
        if entry["status"] == "succeeded":
            sign = 1 if entry["kind"] == "charge" else -1
            net[entry["orderId"]] += sign * Decimal(str(entry["amount"]))
    return net


def _claiming_money(store: Storage) -> Iterable[str]:
    """The ids of every order in a status that keeps money, page by page (the status index)."""
    for status in KEEPS_MONEY:
        cursor = None
        while True:
            page = store.orders.list_in_status(status, PAGE, cursor)
            yield from (order["id"] for order in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break


def compare(store: Storage, ledger: Iterable[dict[str, Any]]) -> list[Difference]:
    """The whole ledger against every order it names and every order claiming money (`make
    reconcile`: a local ledger, every order of the status index)."""
    net = held(ledger)
    differences = [
        found
        for order_id in sorted(set(net) | set(_claiming_money(store)))
        if (found := _difference(store, order_id, net.get(order_id, Decimal("0")))) is not None
    ]
    metrics.count(metrics.RECONCILIATION_DIFFERENCES, len(differences))
    return differences


def _difference(store: Storage, order_id: str, holds: Decimal) -> Difference | None:
    order = order_writes.read(store, order_id)
    expected = due(order) if order is not None else Decimal("0")
    if holds == expected:
        return None
    return Difference(order_id, order.status if order is not None else None, expected, holds)


# The statuses an order is checked in when it was created within the lookback (a pending one
# holds nothing; the provider's side names a pending order that was charged anyway).
SETTLED = (*KEEPS_MONEY, "cancelled", "expired")


def candidates(store: Storage, provider: PaymentProvider, since: float) -> set[str]:
    """The orders whose money may have moved since `since`, without reading the whole table: the
    provider's charges and refunds made since then (by order id), the orders created since then
    less a payment window (the status index, by creation time: a payment lands within its
    window), and the orders with a refund still due (their marker partition)."""
    created_since = iso(since - config.payment_settings().window_seconds)
    found = set(provider.active_since(since))
    for status in SETTLED:
        found.update(order["id"] for order in store.orders.created_since(status, created_since, PAGE))
    found.update(store.orders.refunds_due(PAGE))
    return found


def recent(store: Storage, provider: PaymentProvider, since: float) -> list[Difference]:
    """The scheduled reconciliation: each candidate order against its own ledger at the provider."""
    differences = []
    for order_id in sorted(candidates(store, provider, since)):
        left = deadline.left()
        if left is not None and left < STOP_MARGIN:
            logger.warning("reconciliation stopped at its deadline", extra={"checked": order_id})
            break
        found = _difference(store, order_id, held(provider.ledger_of(order_id)).get(order_id, Decimal("0")))
        if found is not None:
            differences.append(found)
    metrics.count(metrics.RECONCILIATION_DIFFERENCES, len(differences))
    return differences


def scheduled(store: Storage, context: Any, provider: PaymentProvider | None = None) -> dict[str, Any]:
    """One scheduled run (reconcilePayments): the last RECONCILE_LOOKBACK_HOURS, within the
    invocation's deadline; each difference logged by order id (ids and amounts only)."""
    time_limit = deadline.start(context)
    try:
        hours = config.reconcile_lookback_hours()
        differences = recent(store, provider or providers.provider(), time.time() - hours * 3600)
    finally:
        deadline.end(time_limit)
    for difference in differences:
        logger.warning("reconciliation difference", extra=difference.as_dict())
    logger.info("reconciliation", extra={"differences": len(differences), "lookbackHours": hours})
    return {"differences": [d.as_dict() for d in differences]}
