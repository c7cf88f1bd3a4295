"""Delivery records: one per order event, so a message delivered twice sends one email."""

from __future__ import annotations

import contextlib

from . import keys
from .dynamo import ConditionFailed, Table

CLAIMED = "claimed"
SENDING = "sending"
SENT = "sent"
CLAIM_TOKEN = "claimToken"  # noqa: S105  # nosec B105  # an attribute name, not a secret


class DynamoNotifications:
    def __init__(self, table: Table):
        self.table = table

    def claim(self, event_id: str, now: int, stale_before: int, expires_at: int, token: str = "") -> str:  # nosec B107  # a delivery claim's id, not a credential
        """A conditional Put: the record is new, or its claim is stale (its sender died
        between claiming and sending, so nothing was marked sent). The claim carries `token`
        (storage only): a resent Put whose first try landed with its answer lost finds its own
        token and is this caller's claim, not another sender's."""
        record = {**keys.notification(event_id), "state": SENDING, "claimedAt": now, keys.TTL_FIELD: expires_at}
        if token:
            record[CLAIM_TOKEN] = token
        try:
            self.table.put(
                record,
                ConditionExpression="attribute_not_exists(id) OR (#state = :sending AND claimedAt < :stale)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": SENDING, ":stale": stale_before},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            found = failed.item or {}
            if token and found.get(CLAIM_TOKEN) == token and found.get("state") == SENDING:
                return CLAIMED
            return str(found.get("state", SENT))
        return CLAIMED

    def mark_sent(self, event_id: str, now: int, message_id: str) -> None:
        self.table.update(
            keys.notification(event_id),
            UpdateExpression="SET #state = :sent, sentAt = :now, messageId = :message",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":sent": SENT, ":now": now, ":message": message_id},
        )

    def release(self, event_id: str, token: str = "") -> None:  # nosec B107  # a delivery claim's id, not a credential
        # Already gone (TTL), sent by another delivery, or (with `token`) taken over by another
        # sender since: nothing to release.
        condition, values = "#state = :sending", {":sending": SENDING}
        if token:
            condition, values = condition + f" AND {CLAIM_TOKEN} = :token", {**values, ":token": token}
        with contextlib.suppress(ConditionFailed):
            self.table.delete(
                keys.notification(event_id),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=values,
            )
