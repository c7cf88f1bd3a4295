"""Payments: webhook events recorded once per id together with the order change they cause
(the aggregate's write, shop.domain.order)."""

from __future__ import annotations

from typing import Any

from ..domain.write import Write
from . import keys
from .dynamo import Cancelled, Table
from .failures import EventSeen
from .orders import refund_marker, status_failure, status_update
from .records import WebhookEvent


class DynamoPayments:
    def __init__(self, table: Table):
        self.table = table

    def record_event(self, event: WebhookEvent, write: Write | None = None) -> None:
        record = {
            **keys.webhook_event(event.event_id),
            "eventType": event.event_type,
            "orderId": event.order_id,
            "outcome": event.outcome,
            keys.TTL_FIELD: event.expires_at,
        }
        items: list[dict[str, Any]] = [{"Put": {"Item": record, "ConditionExpression": "attribute_not_exists(id)"}}]
        if write is not None:
            key, update = status_update(write.before, write.changes)
            items.append({"Update": {"Key": key, **update}})
            marker = refund_marker(write.before, write.changes)
            items.extend([marker] if marker else [])
        try:
            self.table.transact(items)
        except Cancelled as cancelled:
            if cancelled.failed(0):
                raise EventSeen() from None
            if write is not None and cancelled.failed(1):
                raise status_failure(self.table, write.order_id, cancelled.old_item(1)) from None
            raise

    def event_seen(self, event_id: str) -> bool:
        return self.table.get(keys.webhook_event(event_id), consistent=True) is not None
