"""Reconciliation: the provider's ledger against the orders (docs/API.md, "Refunds").

For every order the ledger names, and every order that says it was paid: what the provider kept
(charged - refunded) must equal what the order says is due, its total less the refunds it records
as given back when `paid`, `shipped` or `delivered`, and 0 when it is anything else (a cancelled
or expired order keeps no money; a pending one has none yet). Each difference names the order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import metrics
from ..domain import refund as refunds
from ..domain.order import Order
from ..storage.protocol import Storage
from . import order_writes

KEEPS_MONEY = ("paid", "shipped", "delivered")
PAGE = 100


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
    net = held(ledger)
    differences = []
    for order_id in sorted(set(net) | set(_claiming_money(store))):
        order = order_writes.read(store, order_id)
        expected = due(order) if order is not None else Decimal("0")
        if net.get(order_id, Decimal("0")) != expected:
            status = order.status if order is not None else None
            differences.append(Difference(order_id, status, expected, net.get(order_id, Decimal("0"))))
    metrics.count(metrics.RECONCILIATION_DIFFERENCES, len(differences))
    return differences
