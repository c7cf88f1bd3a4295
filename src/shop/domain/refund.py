"""An order's refunds: each with an id, its amount reserved from the charge while `pending` (so
refunds decided one after another on the order's version can never add up past the charge),
`succeeded` or `failed` once the provider says so (a failed one frees its amount again)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


@dataclass(frozen=True)
class Refund:
    id: str
    amount: Decimal
    reason: str
    status: str
    created_at: str
    key: str | None = None  # the admin's Idempotency-Key, if one was sent
    reference: str | None = None  # the provider's refund id, once it has one

    @property
    def holds_money(self) -> bool:
        """Pending or succeeded: counted against what is left to refund."""
        return self.status != FAILED

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.id,
            "amount": self.amount,
            "reason": self.reason,
            "status": self.status,
            "createdAt": self.created_at,
        }
        if self.key is not None:
            item["idempotencyKey"] = self.key
        if self.reference is not None:
            item["reference"] = self.reference
        return item

    def shown(self, order_id: str) -> dict[str, Any]:
        """As the API shows it (the contract's refund: no key, no provider reference)."""
        item = {k: v for k, v in self.to_item().items() if k not in ("idempotencyKey", "reference")}
        return {**item, "orderId": order_id}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Refund:
        return cls(
            id=str(item["id"]),
            amount=Decimal(item["amount"]),
            reason=str(item.get("reason", "")),
            status=str(item.get("status", PENDING)),
            created_at=str(item.get("createdAt", "")),
            key=item.get("idempotencyKey"),
            reference=item.get("reference"),
        )


def refunded(refunds: tuple[Refund, ...]) -> Decimal:
    """What the provider has given back."""
    return sum((r.amount for r in refunds if r.status == SUCCEEDED), Decimal("0"))


def reserved(refunds: tuple[Refund, ...]) -> Decimal:
    """What is given back or on its way back."""
    return sum((r.amount for r in refunds if r.holds_money), Decimal("0"))


def payment_status(charged: Decimal, refunds: tuple[Refund, ...]) -> str:
    given_back = refunded(refunds)
    if given_back <= 0:
        return "succeeded"
    return "refunded" if given_back >= charged else "partially_refunded"
