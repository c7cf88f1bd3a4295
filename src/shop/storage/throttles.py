"""Attempt counters in fixed windows (login lockout, per-address limits)."""

from __future__ import annotations

from ..errors import ServiceUnavailable
from . import keys
from .dynamo import ConditionFailed, Table
from .protocol import Attempt


class DynamoThrottles:
    def __init__(self, table: Table):
        self.table = table

    def take(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt:
        """Count one attempt in a fixed window that opens with the first attempt.

        Increment-then-check in one conditional UpdateItem: ADD is atomic and the
        condition refuses the increment once `limit` attempts are in the window, so
        parallel requests cannot all read the same old count and slip past. The first
        attempt creates the item in that same write: no read before it.
        """
        key = keys.key(counter_id, keys.THROTTLE)
        window_ends = now + window_seconds
        for _ in range(3):
            try:
                response = self.table.update(
                    key,
                    UpdateExpression="ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :ends)",
                    ConditionExpression="attribute_not_exists(id) OR (expiresAt > :now AND attempts < :limit)",
                    ExpressionAttributeValues={":one": 1, ":ends": window_ends, ":now": now, ":limit": limit},
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                counter = response["Attributes"]
                return Attempt(True, int(counter["attempts"]), int(counter["expiresAt"]))
            except ConditionFailed as failed:
                old = failed.item or {}
                if int(old.get("expiresAt", 0)) > now:
                    return Attempt(False, int(old.get("attempts", limit)), int(old["expiresAt"]))
            # The window is over but TTL has not removed the item yet (TTL deletes lazily,
            # often hours later): open a new window. The condition lets only one of several
            # racing requests do it; the others loop and count against the new window.
            try:
                self.table.put(
                    {**key, "attempts": 1, keys.TTL_FIELD: window_ends},
                    ConditionExpression="attribute_not_exists(id) OR expiresAt <= :now",
                    ExpressionAttributeValues={":now": now},
                )
                return Attempt(True, 1, window_ends)
            except ConditionFailed:
                continue
        raise ServiceUnavailable(retry_after=1)

    def clear(self, counter_id: str) -> None:
        self.table.delete(keys.key(counter_id, keys.THROTTLE))
