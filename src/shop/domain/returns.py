"""An order's returns: asked for by the customer (`requested`), then `received` by the shop (its
amount refunded, its units restocked if the admin says so, once) or `rejected`. Each returns some
units of the order's lines at the price they were bought at."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ..clock import iso
from .refusals import KeyReused, NoSuchReturn, NotAllowed, ReturnTooLate

REQUESTED, RECEIVED, REJECTED = "requested", "received", "rejected"
REFUND_REASON = "return_received"
DAY_SECONDS = 86400


@dataclass(frozen=True)
class Return:
    id: str
    items: tuple[dict[str, Any], ...]  # {productId, quantity, price}: the price the units were bought at
    amount: Decimal
    reason: str
    status: str
    created_at: str
    decided_at: str | None = None
    restocked: bool = False
    refund_id: str | None = None  # the refund that gave its amount back, once received
    rejection: str | None = None  # the admin's reason, when rejected

    @property
    def counts(self) -> bool:
        """Requested or received: its units are no longer returnable."""
        return self.status != REJECTED

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.id,
            "items": [dict(line) for line in self.items],
            "amount": self.amount,
            "reason": self.reason,
            "status": self.status,
            "createdAt": self.created_at,
        }
        optional = {"decidedAt": self.decided_at, "refundId": self.refund_id, "rejectionReason": self.rejection}
        item.update({k: v for k, v in optional.items() if v is not None})
        if self.status == RECEIVED:
            item["restocked"] = self.restocked
        return item

    def shown(self, order_id: str) -> dict[str, Any]:
        return {**self.to_item(), "orderId": order_id}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Return:
        # Every return ever stored has the fields to_item always writes; the others are absent
        # until the return is decided (restocked: until it is received).
        return cls(
            id=str(item["id"]),
            items=tuple(
                {"productId": str(line["productId"]), "quantity": int(line["quantity"]), "price": line["price"]}
                for line in item["items"]
            ),
            amount=Decimal(item["amount"]),
            reason=str(item["reason"]),
            status=str(item["status"]),
            created_at=str(item["createdAt"]),
            decided_at=item.get("decidedAt"),
            restocked=bool(item.get("restocked")),
            refund_id=item.get("refundId"),
            rejection=item.get("rejectionReason"),
        )

    def decided(self, status: str, at: str, **values: Any) -> Return:
        if self.status != REQUESTED:
            raise NotAllowed(f"Return is {self.status}; it cannot be {status}")
        return replace(self, status=status, decided_at=at, **values)


def replayed(returns: tuple[Return, ...], return_id: str, wanted: dict[str, int], reason: str) -> bool:
    """True when `return_id` (derived from the request's Idempotency-Key) was already asked for with
    the same units and reason: the retry is that return. Another body under the key is refused."""
    earlier = next((r for r in returns if r.id == return_id), None)
    if earlier is None:
        return False
    if {line["productId"]: int(line["quantity"]) for line in earlier.items} != wanted or earlier.reason != reason:
        raise KeyReused("Idempotency-Key was already used for another return")
    return True


def requested(
    return_id: str,
    lines: list[dict[str, Any]],
    returns: tuple[Return, ...],
    wanted: dict[str, int],
    reason: str,
    at: str,
) -> Return:
    """A return of `wanted` (productId -> units) of the order's `lines`. More units of a line than
    were bought, less those in other returns not rejected (or a product not bought), is refused."""
    bought = {str(line["productId"]): line for line in lines}
    taken: dict[str, int] = {}
    for earlier in returns:
        if earlier.counts:
            for line in earlier.items:
                taken[line["productId"]] = taken.get(line["productId"], 0) + int(line["quantity"])
    items: list[dict[str, Any]] = []
    amount = Decimal("0")
    for product_id, quantity in wanted.items():
        found = bought.get(product_id)
        left = int(found["quantity"]) - taken.get(product_id, 0) if found is not None else 0
        if found is None or quantity > left:
            raise NotAllowed(f"At most {left} unit(s) of product {product_id} can be returned")
        price = Decimal(str(found["price"]))
        items.append({"productId": product_id, "quantity": quantity, "price": price})
        amount += price * quantity
    return Return(return_id, tuple(items), amount, reason, REQUESTED, at)


def check_window(status: str, history: tuple[dict[str, Any], ...], updated_at: str, now: float, days: int) -> None:
    """Refuses a return of an order that is not delivered, or asked for more than `days` after its delivery."""
    if status != "delivered":
        raise NotAllowed(f"Order is {status}; only a delivered order can be returned")
    delivered = next((step.get("at") for step in history if step.get("status") == "delivered"), None)
    if str(delivered or updated_at) < iso(now - days * DAY_SECONDS):
        raise ReturnTooLate(f"Returns are accepted for {days} days after delivery")


def find(returns: tuple[Return, ...], return_id: str) -> Return:
    found = next((r for r in returns if r.id == return_id), None)
    if found is None:
        raise NoSuchReturn("Return not found")
    return found


def replaced(returns: tuple[Return, ...], given: Return) -> tuple[Return, ...]:
    return tuple(given if r.id == given.id else r for r in returns)


def units(given: Return) -> tuple[dict[str, Any], ...]:
    """The return's units, as a restock gives them back."""
    return tuple({"productId": line["productId"], "quantity": int(line["quantity"])} for line in given.items)
