"""The payment provider's webhook: verified, recorded once per event id, checked against the order.

`payment_intent.succeeded` for a pending order, with `amount_received` equal to its total in
cents and its currency, marks it paid; `payment_intent.payment_failed` records the decline on the
order. The event record and the order's change are one transaction. Anything else (an event seen
before, a type not handled, an unknown order, a wrong amount) answers 200 and changes no order:
the provider would only send it again.
"""

from __future__ import annotations

import re
import time
from typing import Any

from .. import config, jsonio
from ..clock import now_iso
from ..errors import InvalidJson, InvalidSignature, ServiceUnavailable
from ..limits import DEFAULT_CURRENCY, PATH_ID
from ..log import logger
from ..providers import cents
from ..storage.failures import EventSeen, Missing, StatusChanged
from ..storage.protocol import Storage, WebhookEvent
from . import history, orders
from .payments import succeeded

EVENT_TTL_SECONDS = 30 * 24 * 3600  # longer than the provider retries an event (3 days)
HANDLED = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed"})
# An event id the table can key: Stripe's are `evt_` and 24 characters. Longer or empty ones
# (DynamoDB keys hold 2,048 bytes) are not events; an order id no record can have (limits.PATH_ID)
# is an unknown order, found without a read.
EVENT_ID = re.compile(r"[A-Za-z0-9_.~-]{1,255}")


def _verified(raw: bytes, signature: str | None) -> dict[str, Any]:
    secret = config.stripe_secret("STRIPE_WEBHOOK_SECRET")
    if secret is None:  # misconfigured: the provider keeps the event and retries it later
        raise ServiceUnavailable(retry_after=60)
    from ..providers import stripe_api  # the `stripe` library: only this route and payments load it

    try:
        stripe_api.verify(raw, signature, secret)
    except stripe_api.SignatureRejected:
        raise InvalidSignature() from None
    try:
        event = jsonio.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidJson() from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise InvalidJson("Not an event")
    if not EVENT_ID.fullmatch(event["id"]):  # empty, or more than a key holds: nothing to record it under
        raise InvalidJson("Not an event")
    return event


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """parent[key] when it is an object; {} when it is missing or anything else (a signed event
    is still untrusted in shape: a string where Stripe sends an object is no order, not a 500)."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _intent(event: dict[str, Any]) -> dict[str, Any]:
    return _object(_object(event, "data"), "object")


def _order_change(event: dict[str, Any], order: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """What the event does to the (pending) order: (outcome, changes or None)."""
    intent = _intent(event)
    payment = order.get("payment") or {}
    if event["type"] == "payment_intent.payment_failed":
        error = _object(intent, "last_payment_error")
        reason = error.get("decline_code") or error.get("code") or "declined"
        decline = {"reason": str(reason), "at": now_iso(), "eventId": event["id"]}
        return "payment_failed", {"payment": {**payment, "lastDecline": decline}}
    amount, currency = intent.get("amount_received"), str(intent.get("currency", "")).lower()
    if amount != cents(order["totalAmount"]) or currency != payment.get("currency", DEFAULT_CURRENCY):
        logger.warning(  # safe: the event's and the order's ids only
            "webhook amount mismatch", extra={"eventId": event["id"], "orderId": order["id"]}
        )
        return "amount_mismatch", None
    changes = orders.transition_changes(
        order, "paid", history.SYSTEM, payment=succeeded("stripe", intent.get("id"), order, eventId=event["id"])
    )
    return "paid", changes


def receive(store: Storage, raw: bytes, signature: str | None) -> dict[str, Any]:
    event = _verified(raw, signature)
    answer = {"eventId": event["id"], "type": event["type"]}
    if store.payments.event_seen(event["id"]):
        return {**answer, "outcome": "duplicate"}
    order_id = _object(_intent(event), "metadata").get("orderId") if event["type"] in HANDLED else None
    keyable = isinstance(order_id, str) and PATH_ID.fullmatch(order_id) is not None
    order = store.orders.get(order_id, consistent=True) if keyable and isinstance(order_id, str) else None
    if event["type"] not in HANDLED:
        outcome, changes = "ignored", None
    elif order is None:
        outcome, changes = "unknown_order", None
    elif order["status"] != "pending":
        outcome, changes = "not_pending", None
    else:
        outcome, changes = _order_change(event, order)
    expires_at = int(time.time()) + EVENT_TTL_SECONDS
    record = WebhookEvent(event["id"], event["type"], order_id if order else None, outcome, expires_at)
    try:
        if changes is not None and order is not None:
            try:
                store.payments.record_event(record, order, changes)
            except (StatusChanged, Missing):  # the order moved since it was read: record the event alone
                record = WebhookEvent(record.event_id, record.event_type, order_id, "not_pending", record.expires_at)
                store.payments.record_event(record)
        else:
            store.payments.record_event(record)
    except EventSeen:  # the same event delivered twice at once
        return {**answer, "outcome": "duplicate"}
    return {**answer, "outcome": record.outcome}
