"""The payment provider's webhook: verified, recorded once per event id, checked against the order.

`payment_intent.succeeded` for a pending order, with `amount_received` equal to its total in
the currency's minor unit and its currency, marks it paid; `payment_intent.payment_failed` records
the decline of the attempt in flight (once: its own answer may have recorded it already). Both go
through the order aggregate; the event record and the order's write are one transaction. Anything else (an event seen
before, a type not handled, an unknown order, a wrong amount) answers 200 and changes no order:
the provider would only send it again.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import TYPE_CHECKING, Any

from .. import config, jsonio, metrics
from ..domain.order import Change, Order
from ..domain.payment import DECLINED, REQUIRES_ACTION
from ..domain.refusals import Refused
from ..errors import InvalidJson, InvalidSignature, ServiceUnavailable
from ..limits import PATH_ID
from ..log import logger
from ..money import minor_units
from ..storage.failures import EventSeen, Missing, StatusChanged
from ..storage.records import WebhookEvent
from . import history, order_writes

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

EVENT_TTL_SECONDS = 30 * 24 * 3600  # longer than the provider retries an event (3 days)
PAYMENT_EVENTS = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed"})
REFUND_EVENTS = frozenset({"charge.refunded", "refund.updated", "refund.failed"})
HANDLED = PAYMENT_EVENTS | REFUND_EVENTS
REFUND_STATUSES = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}
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


def _refunds_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The provider's refund objects an event carries: the refund itself, or a charge's list."""
    found = _intent(event)
    if event["type"] == "charge.refunded":
        listed = _object(found, "refunds").get("data")
        return [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
    return [found]


def _decide_refund(event: dict[str, Any], order: Order, now: float) -> tuple[str, Change | None]:
    """A refund's outcome, matched to the order's refund by the provider's refund id."""
    for provider_refund in _refunds_of(event):
        status = REFUND_STATUSES.get(str(provider_refund.get("status")))
        mine = next((r for r in order.refunds if r.reference and r.reference == provider_refund.get("id")), None)
        if status is None or mine is None:
            continue
        if status == "failed":  # money that did not go back: the operator must know (ids only)
            ids = {"eventId": event["id"], "orderId": order.id, "refundId": mine.id}
            logger.warning("refund failed", extra=ids)  # safe: three ids, no body or secret
            metrics.count(metrics.REFUND_FAILED)
        change = order.settle_refund(mine.id, status, mine.reference, now)
        if change.write is not None:
            return "refund_" + status, change  # one refund per write; a charge lists at most a few
    return "refund_recorded", None


def _decide(event: dict[str, Any], order: Order, now: float) -> tuple[str, Change | None]:
    """What the event does to the order: (outcome, the aggregate's change or None)."""
    if event["type"] in REFUND_EVENTS:
        return _decide_refund(event, order, now)
    intent = _intent(event)
    if order.status in ("cancelled", "expired") and event["type"] == "payment_intent.succeeded":
        return _charge(event, intent, order, None, now)  # a late charge: recorded and refunded in full
    if order.status != "pending":
        return "not_pending", None
    latest = order.latest_attempt()
    if event["type"] == "payment_intent.payment_failed":
        if latest is not None and latest.live(int(now)):
            # An attempt is in flight: its own answer records its decline. This event may well be
            # an earlier attempt's, and must not clear the live attempt's marker.
            return "payment_failed", None
        error = _object(intent, "last_payment_error")
        reason = error.get("decline_code") or error.get("code") or "declined"
        # The decline its attempt's answer recorded already is no second decline (and no second
        # order.payment_failed event); one no answer recorded is recorded now.
        declined = latest.id if latest is not None and latest.status in (DECLINED, REQUIRES_ACTION) else None
        return "payment_failed", order.record_decline(declined, {"reason": str(reason), "eventId": event["id"]}, now)
    awaiting = latest is not None and (latest.live(int(now)) or latest.status == REQUIRES_ACTION)
    in_flight = latest.id if latest is not None and awaiting else None  # settled by this charge
    return _charge(event, intent, order, in_flight, now)


def _charge(
    event: dict[str, Any], intent: dict[str, Any], order: Order, in_flight: str | None, now: float
) -> tuple[str, Change | None]:
    amount, currency = intent.get("amount_received"), str(intent.get("currency", "")).lower()
    if currency != order.payment.currency or amount != minor_units(order.total, currency):
        logger.warning(  # safe: the event's and the order's ids only
            "webhook amount mismatch", extra={"eventId": event["id"], "orderId": order.id}
        )
        return "amount_mismatch", None
    details = {"provider": "stripe", "reference": intent.get("id"), "eventId": event["id"]}
    refund = "r" + hashlib.sha256(event["id"].encode()).hexdigest()[:15]  # one per event: a replay refunds once
    try:
        change = order.record_charge(in_flight, details, history.SYSTEM, now, refund_id=refund)
    except Refused:  # paid by another payment, shipped...: nothing this event may change
        return "not_pending", None
    if change.order.status == "paid":
        if change.write is not None:
            metrics.count(metrics.PAYMENT_SUCCEEDED)
        return "paid", change
    if change.write is not None:
        metrics.count(metrics.AUTOMATIC_REFUND)
    return ("refunded_not_payable" if change.write is not None else "not_pending"), change


def receive(store: Storage, raw: bytes, signature: str | None) -> dict[str, Any]:
    event = _verified(raw, signature)
    answer = {"eventId": event["id"], "type": event["type"]}
    if store.payments.event_seen(event["id"]):
        return {**answer, "outcome": "duplicate"}
    order_id = _object(_intent(event), "metadata").get("orderId") if event["type"] in HANDLED else None
    expires_at = int(time.time()) + EVENT_TTL_SECONDS
    # An order id no record can have is an unknown order, found without a read.
    key = order_id if isinstance(order_id, str) and PATH_ID.fullmatch(order_id) else None
    order = order_writes.read(store, key) if key is not None else None
    for _ in range(order_writes.DECIDE_ROUNDS):
        if event["type"] not in HANDLED:
            outcome, change = "ignored", None
        elif order is None:
            outcome, change = "unknown_order", None
        else:
            outcome, change = _decide(event, order, time.time())
        record = WebhookEvent(event["id"], event["type"], order_id if order else None, outcome, expires_at)
        try:
            store.payments.record_event(record, change.write if change is not None else None)
        except EventSeen:  # the same event delivered twice at once
            return {**answer, "outcome": "duplicate"}
        except Missing:
            order = None
            continue
        except StatusChanged as changed:  # the order moved since it was read: decide again on it as found
            found = order_writes.as_order(changed.found) if changed.found else None
            order = found or (order_writes.read(store, key) if key is not None else None)
            continue
        if change is not None and any(refund.status == "pending" for refund in change.order.refunds):
            from . import refunds  # the provider: only when a late charge is given back

            refunds.settle_pending(store, change.order)
        return {**answer, "outcome": outcome}
    raise ServiceUnavailable(retry_after=1)  # the provider retries the event later
