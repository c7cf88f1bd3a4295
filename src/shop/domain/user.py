"""A user account as stored (storage/users.py) and as the API shows it.

`User` never holds the password hash: it is on `Credentials` alone, which storage hands out only
to the code that signs in or changes a password (services.auth), so no answer built from a User
can carry it. Read from every shape ever stored: no `sessionVersion` (0, before password changes
ended sessions), no `updatedAt` or `createdAt` (None)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: str  # customer | admin
    created_at: str | None = None
    updated_at: str | None = None
    session_version: int = 0  # moved on by every password change: older tokens stop working

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> User:
        """From the stored item (its `passwordHash` is not read)."""
        return cls(
            id=str(item["id"]),
            email=str(item["email"]),
            name=str(item.get("name", "")),
            role=str(item["role"]),
            created_at=_text(item.get("createdAt")),
            updated_at=_text(item.get("updatedAt")),
            session_version=int(item.get("sessionVersion", 0)),
        )

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"id": self.id, "email": self.email, "name": self.name, "role": self.role}
        if self.created_at is not None:
            item["createdAt"] = self.created_at
        if self.updated_at is not None:
            item["updatedAt"] = self.updated_at
        if self.session_version:
            item["sessionVersion"] = self.session_version
        return item

    def as_api(self) -> dict[str, Any]:
        """The account (GET and PATCH /users/me)."""
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "createdAt": self.created_at,
        }

    def as_session_user(self) -> dict[str, Any]:
        """The user of a session (register, login, a password change)."""
        return {"userId": self.id, "email": self.email, "name": self.name, "role": self.role}


@dataclass(frozen=True)
class Credentials:
    """A user with their password hash: for signing in and changing the password, never shown."""

    user: User
    password_hash: str = field(repr=False)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Credentials:
        return cls(User.from_item(item), str(item["passwordHash"]))

    def to_item(self) -> dict[str, Any]:
        return {**self.user.to_item(), "passwordHash": self.password_hash}


@dataclass(frozen=True)
class Session:
    """What signing in answers: a token and its user."""

    token: str = field(repr=False)
    user: User

    def as_api(self) -> dict[str, Any]:
        return {"token": self.token, "user": self.user.as_session_user()}
