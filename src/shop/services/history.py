"""An order's status history, as a client sees it: who moved the order is a role
(`customer`, `admin`, `system`), never a user id. Which admin shipped an order is staff
business: the request log line of the move names them (`userId`)."""

from __future__ import annotations

from typing import Any

from ..domain.customer import Customer

CUSTOMER, ADMIN, SYSTEM = "customer", "admin", "system"
ACTORS = frozenset({CUSTOMER, ADMIN, SYSTEM})


def entry(status: str, at: str, by: str) -> dict[str, str]:
    if by not in ACTORS:
        raise ValueError(f"unknown actor {by!r}")
    return {"status": status, "at": at, "by": by}


def _role(by: Any, owner_id: str | None) -> str:
    if by in ACTORS:
        return str(by)
    # Orders written before `by` held a role carry the actor's user id: the owner, or an admin.
    return CUSTOMER if by == owner_id else ADMIN


INTERNAL = ("version",)  # the aggregate's own bookkeeping (shop.domain.order)


def shown(order: dict[str, Any]) -> dict[str, Any]:
    """The order as a client sees it: roles in its history, who placed it (null when an older
    order does not say), no version, no attempt records (the in-flight markers; the client sees
    their effect, 409 PAYMENT_IN_PROGRESS)."""
    order = {k: v for k, v in order.items() if k not in INTERNAL}
    order["customer"] = Customer.from_item(order.get("customer")).shown()  # older orders: unknown
    payment = order.get("payment")
    if isinstance(payment, dict) and "attempts" in payment:
        order["payment"] = {k: v for k, v in payment.items() if k != "attempts"}
    if isinstance(order.get("refunds"), list):  # the provider's ids and the admin's keys are the back office's
        hidden = ("reference", "idempotencyKey")
        order["refunds"] = [{k: v for k, v in r.items() if k not in hidden} for r in order["refunds"]]
    history = order.get("statusHistory")
    if not history:
        return order
    owner = order.get("userId")
    return {**order, "statusHistory": [{**step, "by": _role(step.get("by"), owner)} for step in history]}
