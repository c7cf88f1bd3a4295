"""Paying an order through the configured provider (shop.providers), exactly once.

Before the provider is called the order is marked as having a payment attempt in flight, on
condition that it is still pending: the expiry sweep and a cancel leave such an order alone, so
money is never taken for an order that expired or was cancelled meanwhile. The provider call
carries an idempotency key derived from the order and the method, so concurrent or retried
requests reach the card network once. Round trips: the order, the marker, the provider, the result.
"""

from __future__ import annotations

import time
from typing import Any

from .. import providers
from ..clock import now_iso
from ..errors import InvalidTransition, NotFound, PaymentDeclined, ServiceUnavailable, ValidationFailed
from ..limits import DEFAULT_CURRENCY
from ..providers import Charge, PaymentProvider, ProviderUnavailable, UnknownPaymentMethod, cents
from ..storage.failures import Missing, StatusChanged
from ..storage.protocol import Storage
from ..tokens import Caller
from . import history, orders

# Longer than the payment function's timeout: an attempt cut short stops blocking after this.
ATTEMPT_SECONDS = 60


def succeeded(provider: str, reference: str | None, order: dict[str, Any], **also: Any) -> dict[str, Any]:
    payment = order.get("payment") or {}
    return {
        "status": "succeeded",
        "provider": provider,
        "reference": reference,
        "amount": order["totalAmount"],
        "currency": payment.get("currency", DEFAULT_CURRENCY),
        "paidAt": now_iso(),
        **also,
    }


def _owned(store: Storage, caller: Caller, order_id: str) -> dict[str, Any]:
    order = store.orders.get(order_id, consistent=True)
    if order is None or order["userId"] != caller.user_id:  # someone else's is a missing one
        raise NotFound("Order not found")
    return order


def _already_paid(order: dict[str, Any], key: str | None, reference: str | None = None) -> bool:
    """Paid by this very request: the same Idempotency-Key, or the same provider payment."""
    payment = order.get("payment") or {}
    if order["status"] != "paid":
        return False
    return bool((key and payment.get("idempotencyKey") == key) or (reference and payment.get("reference") == reference))


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
    if order["status"] != "pending":
        if _already_paid(order, key):
            return history.shown(order), True
        raise InvalidTransition(f"Order is {order['status']}; only a pending order can be paid")
    try:
        store.payments.begin_attempt(order_id, int(time.time()) + ATTEMPT_SECONDS)
    except Missing:
        raise NotFound("Order not found") from None
    except StatusChanged as changed:
        current = store.orders.get(order_id, consistent=True)
        if current is not None and _already_paid(current, key):
            return history.shown(current), True
        raise InvalidTransition(f"Order is {changed.status} now") from None

    payment = order.get("payment") or {}
    charge = Charge(
        order_id=order_id,
        amount_cents=cents(order["totalAmount"]),
        currency=payment.get("currency", DEFAULT_CURRENCY),
        payment_method=method,
        idempotency_key=f"order-{order_id}-{method}",
    )
    try:
        outcome = provider.charge(charge)
    except UnknownPaymentMethod:
        store.payments.record_decline(order_id, {"reason": "unknown_payment_method", "at": now_iso()})
        raise ValidationFailed(details={"paymentMethod": ["Unknown payment method."]}) from None
    except ProviderUnavailable:
        raise ServiceUnavailable(retry_after=2) from None
    if not outcome.succeeded:
        reason = outcome.reason or "declined"
        store.payments.record_decline(order_id, {"reason": reason, "method": method, "at": now_iso()})
        raise PaymentDeclined(details={"reason": [reason]})

    extra = {"idempotencyKey": key} if key else {}
    changes = orders.transition_changes(
        order, "paid", history.CUSTOMER, payment=succeeded(provider.name, outcome.reference, order, **extra)
    )
    try:
        return history.shown(store.orders.update_status(order, changes)), False
    except StatusChanged:
        # A concurrent twin of this request (or the provider's webhook) recorded this payment first.
        current = store.orders.get(order_id, consistent=True)
        if current is not None and _already_paid(current, key, outcome.reference):
            return history.shown(current), True
        raise InvalidTransition("Order changed while it was being paid") from None
