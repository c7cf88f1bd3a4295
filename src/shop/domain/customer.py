"""Who placed an order, as the order keeps it: the account's email and name when the order was
placed (POST /orders, POST /checkout), so an operator works from the order alone, without a read
of the user per order listed. A later rename or email change does not rewrite past orders.
Orders stored before this was kept read with both unknown (None): no 500 on an older item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .user import User


@dataclass(frozen=True)
class Customer:
    email: str | None = None
    name: str | None = None

    @classmethod
    def from_item(cls, value: Any) -> Customer:
        """The stored map, or the defaults for an order of an older shape (or a damaged one)."""
        if not isinstance(value, dict):
            return cls()
        email, name = value.get("email"), value.get("name")
        return cls(email if isinstance(email, str) else None, name if isinstance(name, str) else None)

    @classmethod
    def of(cls, account: User | None, token_email: str) -> Customer:
        """The caller's account as the request's one read of the user found it (services.access),
        else what the token says."""
        if account is None:
            return cls(token_email, None)
        return cls(account.email or token_email, account.name or None)

    def to_item(self) -> dict[str, str]:
        """As stored: only what is known (DynamoDB keeps no empty attribute for nothing)."""
        return {key: value for key, value in (("email", self.email), ("name", self.name)) if value is not None}

    def shown(self) -> dict[str, str | None]:
        """As a client sees it: both keys, null when unknown."""
        return {"email": self.email, "name": self.name}
