"""Paying an order through the configured provider (shop.providers), at most one charge per order.

An attempt is begun on the order aggregate first (shop.domain.order: a conditional write on the
version read): while it is in flight, another payment of the order (any method, any key) is 409
PAYMENT_IN_PROGRESS, and a cancel or the expiry sweep leaves the order alone. The provider call
carries an idempotency key of this attempt of this order, so a retry of one attempt reaches the
card network once; the provider keeps one payment per order, so two attempts never charge twice.
The attempt's outcome (charge, decline, provider failure) clears its own marker only.
Round trips: the order, the attempt, the provider, the outcome.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import TYPE_CHECKING, Any

from .. import config, metrics, providers
from ..domain.order import Order
from ..errors import (
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    PaymentDeclined,
    PaymentInProgress,
    ServiceUnavailable,
    ValidationFailed,
)
from ..providers import Charge, PaymentProvider, ProviderUnavailable, UnknownPaymentMethod, minor_units
from ..tokens import Caller
from . import history, order_writes

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

# Longer than the payment function's timeout: an attempt cut short stops blocking after this.
ATTEMPT_SECONDS = 60


def _owned(store: Storage, caller: Caller, order_id: str) -> Order:
    order = order_writes.read(store, order_id)
    if order is None or order.user_id != caller.user_id:  # someone else's is a missing one
        raise NotFound("Order not found")
    return order


def _paid_by(order: Order, key: str | None, reference: str | None = None) -> bool:
    """Paid by this very request: the same Idempotency-Key, or the same provider payment."""
    if order.status != "paid":
        return False
    payment = order.payment
    return bool((key and payment.get("idempotencyKey") == key) or (reference and payment.get("reference") == reference))


def return_url(order_id: str) -> str | None:
    """Where the bank sends the customer back after 3-D Secure (PAYMENT_RETURN_URL, the order's
    page of the storefront on AWS)."""
    template = config.payment_settings().return_url
    return template.replace("{orderId}", order_id) if template else None


def attempt_id(key: str | None) -> str:
    """A retry with the same Idempotency-Key is the same attempt (and reaches the provider with
    the same key); without one, every request is an attempt of its own."""
    if key is None:
        return uuid.uuid4().hex[:16]
    return "k" + hashlib.sha256(key.encode()).hexdigest()[:15]


def _shown(order: Order) -> dict[str, Any]:
    return history.shown(order.to_item())


def pay(
    store: Storage,
    caller: Caller,
    order_id: str,
    payload: dict[str, Any],
    key: str | None = None,
    provider: PaymentProvider | None = None,
) -> tuple[dict[str, Any], bool]:
    """Charges `payload["paymentMethod"]` through `provider` (default: the configured one).
    Returns (order, replayed)."""
    method = payload["paymentMethod"]
    provider = provider or providers.provider()
    order = _owned(store, caller, order_id)
    if order.payment.key_reused(key, method):
        raise IdempotencyKeyReused()
    if _paid_by(order, key):
        return _shown(order), True
    attempt = attempt_id(key)
    window = config.payment_settings().window_seconds
    try:
        order = order_writes.apply(
            store,
            order_id,
            lambda o: o.begin_attempt(attempt, method, key, time.time(), int(time.time()) + ATTEMPT_SECONDS, window),
            order,
            in_flight=PaymentInProgress,
        )
    except InvalidTransition:
        current = order_writes.read(store, order_id)
        if current is not None and _paid_by(current, key):  # a twin with this key paid meanwhile
            return _shown(current), True
        raise

    charge = Charge(
        order_id=order_id,
        amount_minor=minor_units(order.total, order.payment.currency),
        currency=order.payment.currency,
        payment_method=method,
        idempotency_key=f"order-{order_id}-attempt-{attempt}",
        return_url=return_url(order_id),
    )
    try:
        outcome = provider.charge(charge)
    except UnknownPaymentMethod:
        _decline(store, order_id, attempt, {"reason": "unknown_payment_method", "method": method})
        raise ValidationFailed(details={"paymentMethod": ["Unknown payment method."]}) from None
    except ProviderUnavailable:
        order_writes.apply(store, order_id, lambda o: o.end_attempt(attempt, time.time()))
        raise ServiceUnavailable(retry_after=2) from None
    if not outcome.succeeded and outcome.reason == "requires_action" and outcome.next_action_url:
        url = outcome.next_action_url
        awaiting = order_writes.apply(store, order_id, lambda o: o.require_action(attempt, url, time.time()))
        metrics.count(metrics.PAYMENT_REQUIRES_ACTION)
        return _shown(awaiting), False  # 202: the customer authenticates, the webhook settles it
    if not outcome.succeeded:
        reason = outcome.reason or "declined"
        _decline(store, order_id, attempt, {"reason": reason, "method": method})
        metrics.count(metrics.PAYMENT_DECLINED)
        raise PaymentDeclined(details={"reason": [reason]})

    details = {"provider": provider.name, "reference": outcome.reference, **({"idempotencyKey": key} if key else {})}
    found_pending = []

    def record(current: Order) -> Any:
        found_pending.append(current.status == "pending")  # else this payment was recorded first
        # A charge landing on an order that can no longer ship is recorded with its refund.
        return current.record_charge(attempt, details, "customer", time.time(), refund_id=f"r{attempt[:15]}")

    try:
        # Decided on the order as the attempt's own write left it: a writer that moved it meanwhile
        # (a cancel, a webhook) fails the version condition, and the order as found is decided again.
        paid = order_writes.apply(store, order_id, record, order)
    except InvalidTransition:
        # Paid meanwhile by this same payment (the provider's webhook) is this request's success.
        current = order_writes.read(store, order_id)
        if current is not None and _paid_by(current, key, outcome.reference):
            return _shown(current), True
        raise InvalidTransition("Order changed while it was being paid") from None
    if paid.status != "paid":
        from . import refunds

        metrics.count(metrics.AUTOMATIC_REFUND)
        refunds.settle_pending(store, paid, provider)
        raise InvalidTransition(f"Order is {paid.status}; the payment is refunded in full")
    if found_pending[-1]:
        metrics.count(metrics.PAYMENT_SUCCEEDED)
    return _shown(paid), not found_pending[-1]


def _decline(store: Storage, order_id: str, attempt: str, decline: dict[str, Any]) -> None:
    order_writes.apply(store, order_id, lambda o: o.record_decline(attempt, decline, time.time()))
