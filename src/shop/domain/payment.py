"""An order's payment: its attempts (each with an id and its own in-flight marker), the charge
that succeeded, the last decline. Read from every shape ever stored: no `payment` map (orders
placed before payments existed), a bare `attemptUntil` marker (before attempts had ids)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

IN_FLIGHT, SUCCEEDED, DECLINED, FAILED = "in_flight", "succeeded", "declined", "failed"
REQUIRES_ACTION = "requires_action"  # the customer authenticates at the bank (3-D Secure); no marker
# The id given to the marker an order stored before attempts had ids may still carry.
LEGACY_ATTEMPT = "legacy"
ATTEMPTS_KEPT = 10  # the last attempts an order keeps; older ones are settled history


@dataclass(frozen=True)
class Attempt:
    id: str
    method: str | None
    key: str | None  # the client's Idempotency-Key, if it sent one
    status: str
    until: int  # epoch seconds: in flight until then at most (a crashed attempt stops blocking)
    at: str

    def live(self, now: int) -> bool:
        return self.status == IN_FLIGHT and self.until > now

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"id": self.id, "status": self.status, "until": self.until, "at": self.at}
        if self.method is not None:
            item["method"] = self.method
        if self.key is not None:
            item["key"] = self.key
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Attempt:
        return cls(
            id=str(item["id"]),
            method=item.get("method"),
            key=item.get("key"),
            status=str(item.get("status", FAILED)),
            until=int(item.get("until", 0)),
            at=str(item.get("at", "")),
        )


@dataclass(frozen=True)
class Payment:
    status: str
    amount: Decimal
    currency: str
    attempts: tuple[Attempt, ...] = ()
    # What the succeeded charge wrote (provider, reference, paidAt, idempotencyKey, eventId) and
    # lastDecline: kept as stored, the keys the API shows.
    details: tuple[tuple[str, Any], ...] = ()

    def get(self, name: str) -> Any:
        return dict(self.details).get(name)

    def live_attempt(self, now: int) -> Attempt | None:
        return next((a for a in self.attempts if a.live(now)), None)

    def key_reused(self, key: str | None, method: str) -> bool:
        """Whether the client's Idempotency-Key was sent before with another payment method."""
        return key is not None and any(a.key == key and a.method != method for a in self.attempts)

    def attempt(self, attempt_id: str | None) -> Attempt | None:
        """The attempt of that id (None: no attempt; every stored one has an id)."""
        return next((a for a in self.attempts if a.id == attempt_id), None)

    def with_attempt(self, attempt: Attempt) -> Payment:
        others = tuple(a for a in self.attempts if a.id != attempt.id)
        return replace(self, attempts=(*others, attempt)[-ATTEMPTS_KEPT:])

    def with_details(self, drop: tuple[str, ...] = (), **values: Any) -> Payment:
        kept = {k: v for k, v in self.details if k not in drop}
        return replace(self, details=tuple({**kept, **values}.items()))

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"status": self.status, "amount": self.amount, "currency": self.currency}
        item.update(self.details)
        if self.attempts:
            item["attempts"] = [a.to_item() for a in self.attempts]
        return item

    @classmethod
    def from_item(cls, item: Any, total: Decimal, currency: str) -> Payment:
        if not isinstance(item, dict):  # placed before payments existed
            return cls("requires_payment", total, currency)
        attempts = [Attempt.from_item(a) for a in item.get("attempts") or [] if isinstance(a, dict) and "id" in a]
        if "attemptUntil" in item:  # the one marker of an order stored before attempts had ids
            until = int(item["attemptUntil"])
            attempts.append(Attempt(LEGACY_ATTEMPT, None, None, IN_FLIGHT, until, ""))
        known = {"status", "amount", "currency", "attempts", "attemptUntil"}
        return cls(
            status=str(item.get("status", "requires_payment")),
            amount=Decimal(item.get("amount", total)),
            currency=str(item.get("currency", currency)),
            attempts=tuple(attempts),
            details=tuple((k, v) for k, v in item.items() if k not in known),
        )
