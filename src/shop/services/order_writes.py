"""Changing an order: read it into the aggregate (shop.domain.order), let one of its methods
decide, store the one conditional write that decision returns. A write that loses to another
writer (the version moved) is decided again from a fresh, consistent read, so every decision is
made on the order as it is, never on a stale copy; the aggregate's refusals become the API's errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import config, errors
from ..domain.order import Change, Order
from ..domain.refusals import (
    AttemptInFlight,
    ExceedsPayment,
    KeyReused,
    NoSuchReturn,
    NothingLeft,
    Refused,
    ReturnTooLate,
    WindowClosed,
)
from ..errors import (
    DomainError,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    OrderExpired,
    PaymentInProgress,
    RefundExceedsPayment,
    ServiceUnavailable,
)
from ..storage.failures import Missing, StatusChanged

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


# Each lost race means another writer made progress; a few rounds settle any real contention.
DECIDE_ROUNDS = 5
MAX_RETRY_AFTER = 60


def read(store: Storage, order_id: str) -> Order | None:
    item = store.orders.get(order_id, consistent=True)
    return as_order(item) if item is not None else None


def as_order(item: dict[str, Any]) -> Order:
    return Order.from_item(item, config.payment_settings().currency)


def apply(
    store: Storage,
    order_id: str,
    decide: Callable[[Order], Change],
    order: Order | None = None,
    in_flight: type[DomainError] = InvalidTransition,
) -> Order:
    """Decide and store, again from a fresh read while another writer wins. Raises NotFound
    (no such order), the refusal as the API's error, or ServiceUnavailable after DECIDE_ROUNDS."""
    for _ in range(DECIDE_ROUNDS):
        if order is None:
            order = read(store, order_id)
            if order is None:
                raise NotFound("Order not found")
        try:
            change = decide(order)
        except Refused as refused:
            raise refusal_error(refused, in_flight) from None
        if change.write is None:
            return change.order
        try:
            return as_order(store.orders.save(change.write))
        except Missing:
            raise NotFound("Order not found") from None
        except StatusChanged as changed:
            # Another writer won: decide again on the order as it is now (as the failed write
            # found it, else from a fresh read).
            order = as_order(changed.found) if changed.found is not None else None
    raise ServiceUnavailable(retry_after=1)


def refusal_error(refused: Refused, in_flight: type[DomainError] = InvalidTransition) -> Exception:
    if isinstance(refused, AttemptInFlight):
        if in_flight is PaymentInProgress:
            wait = max(1, min(MAX_RETRY_AFTER, refused.until - int(time.time())))
            return PaymentInProgress(retry_after=wait)
        return in_flight(refused.message)
    if isinstance(refused, WindowClosed):
        return OrderExpired(refused.message)
    if isinstance(refused, KeyReused):
        return IdempotencyKeyReused()
    if isinstance(refused, NothingLeft):
        return errors.NothingToRefund(refused.message)
    if isinstance(refused, ExceedsPayment):
        return RefundExceedsPayment(refused.message)
    if isinstance(refused, ReturnTooLate):
        return errors.ReturnWindowClosed(refused.message)
    if isinstance(refused, NoSuchReturn):
        return NotFound(refused.message)
    return InvalidTransition(refused.message)  # NotAllowed, and any refusal not named above
