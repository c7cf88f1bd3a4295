"""Delivery records: one per order event, so a message delivered twice sends one email."""

from __future__ import annotations

import contextlib

from . import keys
from .dynamo import ConditionFailed, Table

CLAIMED = "claimed"
SENDING = "sending"
SENT = "sent"


class DynamoNotifications:
    def __init__(self, table: Table):
        self.table = table

    def claim(self, event_id: str, now: int, stale_before: int, expires_at: int) -> str:
        """A conditional Put: the record is new, or its claim is stale (its sender died
        between claiming and sending, so nothing was marked sent)."""
        record = {**keys.notification(event_id), "state": SENDING, "claimedAt": now, keys.TTL_FIELD: expires_at}
        try:
            self.table.put(
                record,
                ConditionExpression="attribute_not_exists(id) OR (#state = :sending AND claimedAt < :stale)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": SENDING, ":stale": stale_before},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            return str((failed.item or {}).get("state", SENT))
        return CLAIMED

    def mark_sent(self, event_id: str, now: int, message_id: str) -> None:
        self.table.update(
            keys.notification(event_id),
            UpdateExpression="SET #state = :sent, sentAt = :now, messageId = :message",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":sent": SENT, ":now": now, ":message": message_id},
        )

    def release(self, event_id: str) -> None:
        # Already gone (TTL) or sent by another delivery: nothing to release.
        with contextlib.suppress(ConditionFailed):
            self.table.delete(
                keys.notification(event_id),
                ConditionExpression="#state = :sending",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": SENDING},
            )
