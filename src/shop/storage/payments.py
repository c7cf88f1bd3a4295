"""Payments: the in-flight marker the expiry sweep respects, declines, and webhook events
recorded once per id together with the order change they cause."""

from __future__ import annotations

import contextlib
from typing import Any

from . import keys
from .dynamo import Cancelled, ConditionFailed, Table
from .failures import EventSeen
from .orders import status_failure, status_update
from .protocol import WebhookEvent


class DynamoPayments:
    def __init__(self, table: Table):
        self.table = table

    def begin_attempt(self, order_id: str, until: int) -> None:
        try:
            self.table.update(
                keys.key(order_id, keys.ORDER),
                UpdateExpression="SET payment.attemptUntil = :until",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":until": until, ":pending": "pending"},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            raise status_failure(self.table, order_id, failed.item) from None

    def record_decline(self, order_id: str, decline: dict[str, Any]) -> None:
        # Paid or expired meanwhile: the decline no longer describes the order.
        with contextlib.suppress(ConditionFailed):
            self.table.update(
                keys.key(order_id, keys.ORDER),
                UpdateExpression="SET payment.lastDecline = :decline REMOVE payment.attemptUntil",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":decline": decline, ":pending": "pending"},
            )

    def record_event(
        self, event: WebhookEvent, order: dict[str, Any] | None = None, changes: dict[str, Any] | None = None
    ) -> None:
        record = {
            **keys.webhook_event(event.event_id),
            "eventType": event.event_type,
            "orderId": event.order_id,
            "outcome": event.outcome,
            keys.TTL_FIELD: event.expires_at,
        }
        items: list[dict[str, Any]] = [{"Put": {"Item": record, "ConditionExpression": "attribute_not_exists(id)"}}]
        if order is not None:
            key, update = status_update(order, changes or {})
            items.append({"Update": {"Key": key, **update}})
        try:
            self.table.transact(items)
        except Cancelled as cancelled:
            if cancelled.failed(0):
                raise EventSeen() from None
            if order is not None and cancelled.failed(1):
                raise status_failure(self.table, order["id"], cancelled.old_item(1)) from None
            raise

    def event_seen(self, event_id: str) -> bool:
        return self.table.get(keys.webhook_event(event_id), consistent=True) is not None
