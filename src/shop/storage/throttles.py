"""Attempt counters in fixed windows: per-address limits (`take`) and failed logins
(`read_failures`, `count_failure`, `record_success`; the design is in docs/SECURITY.md)."""

from __future__ import annotations

from typing import Any

from ..errors import ServiceUnavailable
from . import keys
from .dynamo import ConditionFailed, Table
from .records import Attempt, FailureCount
from .write_marks import NOT_MINE, mine, new_token

# A failure counter's TTL: the end of its window, or its trustedUntil when a login succeeded
# from there (always later than a fresh window). A trust that has lapsed may let TTL remove
# the item mid-window, which resets a count only where the right password was once used.
_KEEP_UNTIL = "expiresAt = if_not_exists(trustedUntil, :ends)"
_WINDOW = "windowEnds = if_not_exists(windowEnds, :ends)"
_MARK = f"{keys.LAST_WRITE} = :token"  # see keys.LAST_WRITE


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
        token = new_token()
        for _ in range(3):
            try:
                response = self.table.update(
                    key,
                    UpdateExpression=f"ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :ends), {_MARK}",
                    ConditionExpression="(attribute_not_exists(id) OR (expiresAt > :now AND attempts < :limit))"
                    f" AND {NOT_MINE}",
                    ExpressionAttributeValues={
                        ":one": 1,
                        ":ends": window_ends,
                        ":now": now,
                        ":limit": limit,
                        ":token": token,
                    },
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                counter = response["Attributes"]
                return Attempt(True, int(counter["attempts"]), int(counter["expiresAt"]))
            except ConditionFailed as failed:
                old = failed.item or {}
                if mine(old, token):  # this attempt, applied already: its answer was lost
                    return Attempt(True, int(old["attempts"]), int(old["expiresAt"]))
                if int(old.get("expiresAt", 0)) > now:
                    return Attempt(False, int(old.get("attempts", limit)), int(old["expiresAt"]))
            # The window is over but TTL has not removed the item yet (TTL deletes lazily,
            # often hours later): open a new window. The condition lets only one of several
            # racing requests do it; the others loop and count against the new window.
            try:
                self.table.put(
                    {**key, "attempts": 1, keys.TTL_FIELD: window_ends, keys.LAST_WRITE: token},
                    ConditionExpression="attribute_not_exists(id) OR expiresAt <= :now",
                    ExpressionAttributeValues={":now": now},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return Attempt(True, 1, window_ends)
            except ConditionFailed as failed:
                if mine(failed.item, token):  # the new window, opened by this attempt already
                    return Attempt(True, 1, window_ends)
                continue
        raise ServiceUnavailable(retry_after=1)

    def clear(self, counter_id: str) -> None:
        self.table.delete(keys.key(counter_id, keys.THROTTLE))

    def read_failures(self, counter_ids: list[str]) -> dict[str, FailureCount]:
        found = {item["id"]: item for item in self.table.get_many([keys.key(c, keys.THROTTLE) for c in counter_ids])}
        return {counter_id: _failure_count(found.get(counter_id)) for counter_id in counter_ids}

    def count_failure(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt:
        """ADD in one conditional UpdateItem, refused once `limit` failures are in the window
        (parallel failures cannot all read the same old count); an UpdateItem, never a Put,
        so the counter's trustedUntil survives."""
        key = keys.key(counter_id, keys.THROTTLE)
        ends = now + window_seconds
        token = new_token()
        values = {":one": 1, ":ends": ends, ":now": now}
        for _ in range(3):
            try:
                counter = self.table.update(
                    key,
                    UpdateExpression=f"ADD failures :one SET {_WINDOW}, {_KEEP_UNTIL}, {_MARK}",
                    ConditionExpression="(attribute_not_exists(windowEnds)"
                    f" OR (windowEnds > :now AND failures < :limit)) AND {NOT_MINE}",
                    ExpressionAttributeValues={**values, ":limit": limit, ":token": token},
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )["Attributes"]
                return Attempt(True, int(counter["failures"]), int(counter["windowEnds"]))
            except ConditionFailed as failed:
                if mine(failed.item, token):  # this attempt, applied already: its answer was lost
                    found = _failure_count(failed.item)
                    return Attempt(True, found.failures, found.window_ends)
                old = _failure_count(failed.item)
                if old.window_ends > now:
                    return Attempt(False, old.failures, old.window_ends)
            try:  # the window is over: open a new one (only one of several racing requests does)
                self.table.update(
                    key,
                    UpdateExpression=f"SET failures = :one, windowEnds = :ends, {_KEEP_UNTIL}, {_MARK}",
                    ConditionExpression="windowEnds <= :now",
                    ExpressionAttributeValues={**values, ":token": token},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return Attempt(True, 1, ends)
            except ConditionFailed as failed:
                if mine(failed.item, token):  # the new window, opened by this attempt already
                    return Attempt(True, 1, ends)
                continue
        raise ServiceUnavailable(retry_after=1)

    def record_success(self, counter_id: str, limit: int, trusted_until: int, now: int) -> Attempt:
        """One conditional PutItem: it replaces the failures with the trust mark, unless the
        counter reached `limit` in its window since it was read (a guess that was in flight
        while others used up the budget gets nothing)."""
        try:
            self.table.put(
                {**keys.key(counter_id, keys.THROTTLE), "trustedUntil": trusted_until, keys.TTL_FIELD: trusted_until},
                ConditionExpression="attribute_not_exists(failures) OR failures < :limit OR windowEnds <= :now",
                ExpressionAttributeValues={":limit": limit, ":now": now},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return Attempt(True, 0, trusted_until)
        except ConditionFailed as failed:
            old = _failure_count(failed.item)
            return Attempt(False, old.failures, old.window_ends)


def _failure_count(item: dict[str, Any] | None) -> FailureCount:
    if not item:
        return FailureCount()
    return FailureCount(int(item.get("failures", 0)), int(item.get("windowEnds", 0)), int(item.get("trustedUntil", 0)))
