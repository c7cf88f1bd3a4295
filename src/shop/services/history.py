"""An order's status history, as a client sees it: who moved the order is a role
(`customer`, `admin`, `system`), never a user id. Which admin shipped an order is staff
business: the request log line of the move names them (`userId`)."""

from __future__ import annotations

from typing import Any

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


def shown(order: dict[str, Any]) -> dict[str, Any]:
    history = order.get("statusHistory")
    if not history:
        return order
    owner = order.get("userId")
    return {**order, "statusHistory": [{**step, "by": _role(step.get("by"), owner)} for step in history]}
