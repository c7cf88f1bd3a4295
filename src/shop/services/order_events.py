"""Order events: what an order item's change means (docs/EVENTS.md), derived from the table
stream, so the API never writes an event of its own.

One stream record gives at most one event. Its id is derived from the record, so a record
delivered twice gives the same event twice, and the notifier recognises it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .. import jsonio
from ..events_topic import PUBLISH_BATCH_LIMIT
from ..limits import DEFAULT_CURRENCY
from ..log import logger
from ..storage.changes import OrderChange, order_change

CREATED = "order.created"
PAID = "order.paid"
PAYMENT_FAILED = "order.payment_failed"
CANCELLED = "order.cancelled"
EXPIRED = "order.expired"
SHIPPED = "order.shipped"
DELIVERED = "order.delivered"
REFUNDED = "order.refunded"
ALL = (CREATED, PAID, PAYMENT_FAILED, CANCELLED, EXPIRED, SHIPPED, DELIVERED, REFUNDED)
# A cancel's refund is named by the cancellation's own email: no second one when it succeeds.
NAMED_BY_ITS_CHANGE = frozenset({"order_cancelled"})
# The status an order enters -> the event. `pending` is only ever entered on creation.
ENTERED = {"paid": PAID, "cancelled": CANCELLED, "expired": EXPIRED, "shipped": SHIPPED, "delivered": DELIVERED}
SCHEMA_VERSION = 1
TRACKING_FIELDS = ("carrier", "number", "url")
# SNS takes 256 KiB in one message and in one PublishBatch, counting each message's body and
# attributes. A batch over it is refused whole, on every retry: chunk by size as well.
PUBLISH_BYTES = 256 * 1024
# uuid5 namespace of event ids: a fixed, arbitrary value (changing it re-sends every email).
EVENT_NAMESPACE = uuid.UUID("6f0d3a52-5a43-4b0e-9d43-6f7a0c1e2b11")


def _decline(order: dict[str, Any] | None) -> Any:
    """The last declined payment recorded on the order (issue 12's `payment.lastDecline`:
    {reason, at, ...}, written by a declined POST /orders/{id}/payment or a
    payment_intent.payment_failed webhook); None when there is none."""
    payment = (order or {}).get("payment")
    return payment.get("lastDecline") if isinstance(payment, dict) else None


def _refunds(order: dict[str, Any] | None) -> list[dict[str, Any]]:
    found = (order or {}).get("refunds")
    return [r for r in found if isinstance(r, dict) and "id" in r] if isinstance(found, list) else []


def _refund_given(change: OrderChange) -> dict[str, Any] | None:
    """The refund this change saw succeed (the provider's answer, or its webhook), if any."""
    before = {r["id"]: r.get("status") for r in _refunds(change.old)}
    return next(
        (
            r
            for r in _refunds(change.new)
            if r.get("status") == "succeeded"
            and before.get(r["id"]) != "succeeded"
            and r.get("reason") not in NAMED_BY_ITS_CHANGE
        ),
        None,
    )


def event_type(change: OrderChange) -> str | None:
    """The event a change is, or None (a history trim, a payment detail, an index key...)."""
    new = change.new
    if change.kind == "INSERT" or change.old is None:
        return CREATED if new.get("status") == "pending" else None
    if new.get("status") != change.old.get("status"):
        return ENTERED.get(str(new.get("status")))
    if _refund_given(change) is not None:
        return REFUNDED
    # Another payment detail (an attempt starting, say) is no event; a new decline is.
    decline = _decline(new)
    return PAYMENT_FAILED if decline is not None and decline != _decline(change.old) else None


def _iso(epoch: float | None, fallback: str) -> str:
    if epoch is None:
        return fallback
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _money(value: Any) -> str:
    return f"{value:.2f}" if value is not None else "0.00"


def event_of(change: OrderChange, currency: str = DEFAULT_CURRENCY) -> dict[str, Any] | None:
    """The event (the SNS message body) a change is: the order's summary, no address, no
    payment secrets (only the payment's status and decline reason)."""
    kind = event_type(change)
    if kind is None:
        return None
    order = change.new
    payment: dict[str, Any] = order["payment"] if isinstance(order.get("payment"), dict) else {}
    event: dict[str, Any] = {
        "eventId": str(uuid.uuid5(EVENT_NAMESPACE, change.record_id or change.sequence)),
        "type": kind,
        "version": SCHEMA_VERSION,
        "occurredAt": _iso(change.at, str(order.get("updatedAt", ""))),
        "order": {
            "id": order["id"],
            "userId": order["userId"],
            "status": order["status"],
            "previousStatus": (change.old or {}).get("status"),
            "totalAmount": _money(order.get("totalAmount")),
            "currency": str(payment.get("currency") or currency),
            "items": [
                {
                    "productId": line["productId"],
                    "name": line["name"],
                    "price": _money(line["price"]),
                    "quantity": int(line["quantity"]),
                    "lineTotal": _money(line["lineTotal"]),
                }
                for line in order.get("items", [])
            ],
            "createdAt": order.get("createdAt"),
            "updatedAt": order.get("updatedAt"),
        },
    }
    if isinstance(order.get("tracking"), dict):  # the shipped email tells it
        event["order"]["tracking"] = {k: str(v) for k, v in order["tracking"].items() if k in TRACKING_FIELDS}
    if kind == PAYMENT_FAILED:
        decline = _decline(order) or {}
        event["payment"] = {"status": "failed", "reason": decline.get("reason"), "at": decline.get("at")}
    given = _refund_given(change) if kind == REFUNDED else None
    if given is not None:  # the email says how much, and why
        event["refund"] = {"id": given["id"], "amount": _money(given.get("amount")), "reason": given.get("reason")}
    refunds = [r for r in order.get("refunds") or [] if isinstance(r, dict) and r.get("status") != "failed"]
    if refunds:  # what is given back (or on its way back): the customer's email says so
        event["order"]["refundedAmount"] = _money(sum(Decimal(str(r["amount"])) for r in refunds))
    return event


def publish(changes: list[OrderChange | None], topic: Any, currency: str = DEFAULT_CURRENCY) -> list[str]:
    """Publish the events of a stream batch's records (None: a record that is not an order's
    change), in stream order. Returns the sequence numbers to report as failed: the first
    record whose event could not be published, so that Lambda retries from it and no event
    is published before an earlier one of the same batch (the same order's changes are
    in order in one shard). Events after it may go out twice; their ids say so."""
    pending: list[tuple[OrderChange, dict[str, Any]]] = []
    for change in changes:
        event = event_of(change, currency) if change is not None else None
        if event is not None:
            pending.append((change, event))  # type: ignore[arg-type]
    for chunk in _chunks(pending):
        failed = topic.publish([event for _, event in chunk])
        if failed:
            return [chunk[failed[0]][0].sequence]
    return []


def message_bytes(event: dict[str, Any]) -> int:
    """What SNS counts of one event's message: its JSON body and its `eventType` attribute
    (name, data type, value), in UTF-8 bytes, as the topic sends them."""
    return len(jsonio.dumps(event).encode()) + len("eventType") + len("String") + len(event["type"].encode())


def _chunks(pending: list[tuple[OrderChange, dict[str, Any]]]) -> list[list[tuple[OrderChange, dict[str, Any]]]]:
    """The events in order, in batches of at most PUBLISH_BATCH_LIMIT events and PUBLISH_BYTES bytes.
    An event over PUBLISH_BYTES alone (the schemas keep an order far below: 50 lines of
    200-character names are ~40 KB) goes alone: SNS refuses it and the shard stops there, loudly."""
    chunks: list[list[tuple[OrderChange, dict[str, Any]]]] = []
    size = 0
    for change, event in pending:
        event_size = message_bytes(event)
        if not chunks or len(chunks[-1]) == PUBLISH_BATCH_LIMIT or size + event_size > PUBLISH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append((change, event))
        size += event_size
    return chunks


def publish_records(records: list[dict[str, Any]], topic: Any, currency: str = DEFAULT_CURRENCY) -> list[str]:
    """A Lambda DynamoDB Streams batch: publish its order events; the sequence numbers to
    report as failed (see `publish`)."""
    changes = [order_change(record) for record in records]
    failed = publish(changes, topic, currency)
    logger.info(
        "order events",
        extra={
            "function": "publishOrderEvents",
            "records": len(records),
            "orderChanges": sum(change is not None for change in changes),
            "failedFrom": failed[0] if failed else None,
        },
    )
    return failed
