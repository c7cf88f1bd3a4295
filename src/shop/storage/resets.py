"""Password-reset tokens: a record per token, keyed by the token's hash, used at most once."""

from __future__ import annotations

from typing import Any

from ..errors import ServiceUnavailable
from . import keys
from .dynamo import Cancelled, ConditionFailed, Table, public
from .failures import AlreadyExists, Missing


class DynamoResets:
    def __init__(self, table: Table):
        self.table = table

    def create(self, token_hash: str, record: dict[str, Any], expires_at: int) -> None:
        """One Put. `record` holds userId (absent for a request that mails nobody),
        sessionVersion and createdAt; TTL removes it some time after `expires_at`."""
        item = {**keys.password_reset(token_hash), **record, keys.TTL_FIELD: expires_at}
        try:
            self.table.put(item, ConditionExpression="attribute_not_exists(id)")
        except ConditionFailed:  # 256 random bits: only a bug would ever reuse one
            raise AlreadyExists() from None

    def get(self, token_hash: str) -> dict[str, Any] | None:
        """The record with its `expiresAt` (TTL deletes late: the caller checks it)."""
        item = self.table.get(keys.password_reset(token_hash), consistent=True)
        return {**public(item), "expiresAt": int(item[keys.TTL_FIELD])} if item else None

    def redeem(
        self, token_hash: str, user_id: str, session: int, password_hash: str, updated_at: str, now: int
    ) -> None:
        """In one transaction: delete the token's record (on condition that it is still there,
        unexpired, for this user) and set the user's new hash, moving the session version on
        (on condition that it is still the one the token was issued in: a password changed
        since then voids the token). Two concurrent redemptions: one wins, the other gets
        Missing, as does a used, expired or void token."""
        same_session = (
            "sessionVersion = :session"
            if session
            else "(attribute_not_exists(sessionVersion) OR sessionVersion = :session)"
        )
        try:
            self.table.transact(
                [
                    {
                        "Delete": {
                            "Key": keys.password_reset(token_hash),
                            "ConditionExpression": "attribute_exists(id) AND expiresAt > :now AND userId = :user",
                            "ExpressionAttributeValues": {":now": now, ":user": user_id},
                        }
                    },
                    {
                        "Update": {
                            "Key": keys.key(user_id, keys.USER),
                            "UpdateExpression": "SET passwordHash = :hash, updatedAt = :at ADD sessionVersion :one",
                            "ConditionExpression": f"attribute_exists(id) AND {same_session}",
                            "ExpressionAttributeValues": {
                                ":hash": password_hash,
                                ":at": updated_at,
                                ":one": 1,
                                ":session": session,
                            },
                        }
                    },
                ]
            )
        except Cancelled as cancelled:
            if cancelled.any_failed():
                raise Missing() from None
            raise ServiceUnavailable(retry_after=1) from None
