"""Users and the email guard that keeps emails unique."""

from __future__ import annotations

from typing import Any

from ..integrity import checked
from . import keys
from .dynamo import Cancelled, ConditionFailed, Table, public
from .failures import AlreadyExists, Missing

NEW_ITEM = "attribute_not_exists(id)"


class DynamoUsers:
    def __init__(self, table: Table):
        self.table = table

    def create(self, user: dict[str, Any]) -> None:
        """The email guard and the user in one transaction: two registrations racing for
        one email cannot both succeed."""
        user_item = {
            **{k: v for k, v in user.items() if k != "userId"},
            **keys.key(user["userId"], keys.USER),
        }
        guard = {**keys.email_guard(user["email"]), "userId": user["userId"]}
        try:
            self.table.transact(
                [
                    {"Put": {"Item": guard, "ConditionExpression": NEW_ITEM}},
                    {"Put": {"Item": user_item, "ConditionExpression": NEW_ITEM}},
                ]
            )
        except Cancelled as cancelled:
            if cancelled.any_failed():
                raise AlreadyExists() from None
            raise

    def find_by_email(self, email: str) -> dict[str, Any] | None:
        """Two consistent GetItems whether or not the email is registered: an unknown one
        reads a key that never exists, so login's timing does not tell which it was."""
        guard = self.table.get(keys.email_guard(email), consistent=True)
        if guard is None:
            self.table.get(keys.absent_user(), consistent=True)
            return None
        return self.get(guard["userId"])

    def get(self, user_id: str) -> dict[str, Any] | None:
        item = self.table.get(keys.key(user_id, keys.USER), consistent=True)
        return public(checked(keys.USER, item), "userId") if item else None

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
