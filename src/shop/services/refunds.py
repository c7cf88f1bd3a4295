"""Refunds: reserved on the order first (the aggregate's refund(), one conditional write on its
version, so concurrent refunds can never add up past the charge), then asked of the provider that
charged, under a key of this refund of this order (a retry never refunds twice), then settled on
the order. A provider that fails leaves the refund `pending`: settle_pending() asks again (the
expiry sweep, and every request that finds one), never a second refund.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import metrics, providers
from ..domain.order import Order
from ..domain.refund import PENDING
from ..log import logger
from ..money import minor_units
from ..providers import PaymentProvider, ProviderUnavailable, RefundRequest
from . import order_writes

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def refund_id() -> str:
    """A new refund's id. A retry with the same Idempotency-Key finds the refund by its key
    (stored with it), so the id need not be derived from the key."""
    return "r" + uuid.uuid4().hex[:15]


def create(
    store: Storage,
    order_id: str,
    payload: dict[str, Any],
    key: str | None = None,
    provider: PaymentProvider | None = None,
) -> tuple[dict[str, Any], bool]:
    """Admin only (checked at the edge). Returns (the refund as shown, replayed)."""
    wanted = refund_id()
    amount = Decimal(str(payload["amount"])) if payload.get("amount") is not None else None
    reason = payload.get("reason") or "requested_by_admin"
    seen: list[bool] = []

    def decide(order: Order) -> Any:
        seen.append(order.find_refund(key=key) is not None)
        return order.refund(wanted, amount, reason, key, time.time())

    order = order_writes.apply(store, order_id, decide)
    refund = order.find_refund(wanted, key)
    if refund is None:  # the write above stored it, or found it stored: never None
        raise RuntimeError("the refund just stored is not on the order")
    order = settle(store, order, refund.id, provider)
    settled = order.find_refund(refund.id)
    return (settled or refund).shown(order_id), seen[-1]


def settle(store: Storage, order: Order, wanted: str, provider: PaymentProvider | None = None) -> Order:
    """Asks the provider for the pending refund `wanted` of `order` and records its answer. A
    provider that cannot be reached leaves it pending (and says so in the log, ids only)."""
    refund = order.find_refund(wanted)
    if refund is None or refund.status != PENDING:
        return order
    provider = provider or providers.provider()
    currency = order.payment.currency
    request = RefundRequest(
        order_id=order.id,
        reference=str(order.payment.get("reference")),
        amount_minor=minor_units(refund.amount, currency),
        currency=currency,
        idempotency_key=f"refund-{order.id}-{refund.id}",
    )
    try:
        outcome = provider.refund(request)
    except ProviderUnavailable:
        logger.warning("refund left pending", extra={"orderId": order.id, "refundId": refund.id})
        return order
    if outcome.status == PENDING and outcome.reference in (None, refund.reference):
        return order  # the provider's refund.updated webhook settles it (or the sweep asks again)
    metrics.count(metrics.REFUND_SUCCEEDED if outcome.status == "succeeded" else metrics.REFUND_FAILED)
    answer = outcome.status, outcome.reference
    settle_it = lambda current: current.settle_refund(refund.id, *answer, time.time())  # noqa: E731
    return order_writes.apply(store, order.id, settle_it, order)  # the order as just written: no read


def settle_pending(store: Storage, order: Order, provider: PaymentProvider | None = None) -> Order:
    for refund in order.refunds:
        if refund.status == PENDING:
            order = settle(store, order, refund.id, provider)
    return order
