"""Users and the email guard that keeps emails unique."""

from __future__ import annotations

from typing import Any

from ..domain.user import Credentials, User
from ..errors import ServiceUnavailable
from ..integrity import checked
from . import keys
from .dynamo import Cancelled, ConditionFailed, Table, public, written_by
from .failures import AlreadyExists, Missing

NEW_ITEM = "attribute_not_exists(id)"


class DynamoUsers:
    def __init__(self, table: Table):
        self.table = table

    def create(self, credentials: Credentials) -> None:
        """The email guard and the user in one transaction: two registrations racing for
        one email cannot both succeed."""
        user = credentials.user
        record = credentials.to_item()
        user_item = {**record, **keys.key(user.id, keys.USER)}
        guard = {**keys.email_guard(user.email), "userId": user.id}
        found = {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        try:
            self.table.transact(
                [
                    {"Put": {"Item": guard, "ConditionExpression": NEW_ITEM, **found}},
                    {"Put": {"Item": user_item, "ConditionExpression": NEW_ITEM, **found}},
                ]
            )
        except Cancelled as cancelled:
            if cancelled.failed(1) and written_by(cancelled.old_item(1), record):
                return  # this registration, committed by an attempt whose answer was lost
            if cancelled.any_failed():
                raise AlreadyExists() from None
            raise ServiceUnavailable(retry_after=1) from None

    def find_by_email(self, email: str) -> User | None:
        item = self._item_by_email(email)
        return User.from_item(item) if item else None

    def credentials(self, email: str) -> Credentials | None:
        item = self._item_by_email(email)
        return Credentials.from_item(item) if item else None

    def credentials_of(self, user_id: str) -> Credentials | None:
        item = self._item(user_id)
        return Credentials.from_item(item) if item else None

    def get(self, user_id: str) -> User | None:
        item = self._item(user_id)
        return User.from_item(item) if item else None

    def _item_by_email(self, email: str) -> dict[str, Any] | None:
        """Two consistent GetItems whether or not the email is registered: an unknown one
        reads a key that never exists, so login's timing does not tell which it was."""
        guard = self.table.get(keys.email_guard(email), consistent=True)
        if guard is None:
            self.table.get(keys.absent_user(), consistent=True)
            return None
        return self._item(guard["userId"])

    def _item(self, user_id: str) -> dict[str, Any] | None:
        item = self.table.get(keys.key(user_id, keys.USER), consistent=True)
        return public(checked(keys.USER, item)) if item else None

    def set_role(self, user_id: str, role: str) -> None:
        try:
            self.table.update(
                keys.key(user_id, keys.USER),
                UpdateExpression="SET #role = :role",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#role": "role"},
                ExpressionAttributeValues={":role": role},
            )
        except ConditionFailed:
            raise Missing() from None

    def set_name(self, user_id: str, name: str, updated_at: str) -> User:
        """The user as it is after the change."""
        try:
            response = self.table.update(
                keys.key(user_id, keys.USER),
                UpdateExpression="SET #name = :name, updatedAt = :now",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={":name": name, ":now": updated_at},
                ReturnValues="ALL_NEW",
            )
        except ConditionFailed:
            raise Missing() from None
        return User.from_item(public(checked(keys.USER, response["Attributes"])))

    def set_password_hash(self, user_id: str, password_hash: str, updated_at: str) -> int:
        """The new hash, and the session version moved on (tokens issued before stop
        working, services.access) in the same write; returns the new version."""
        try:
            response = self.table.update(
                keys.key(user_id, keys.USER),
                UpdateExpression="SET passwordHash = :hash, updatedAt = :now ADD sessionVersion :one",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeValues={":hash": password_hash, ":now": updated_at, ":one": 1},
                ReturnValues="UPDATED_NEW",
            )
        except ConditionFailed:
            raise Missing() from None
        return int(response["Attributes"]["sessionVersion"])
