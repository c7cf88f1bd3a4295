"""Returns of delivered orders: asked for by the owner within RETURN_WINDOW_DAYS of delivery, then
received (the return's amount refunded through the refund path, services/refunds.py, and with
`restock` its units back in stock: one transaction with the order's conditional write, once) or
rejected by an admin. Every change is the aggregate's (shop.domain.order), stored by order_writes."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import TYPE_CHECKING, Any

from .. import config
from ..domain.order import Order
from ..errors import NotFound, ValidationFailed
from ..providers import PaymentProvider
from ..tokens import Caller
from . import history, order_writes

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def return_id(order_id: str, key: str | None) -> str:
    """A retry with the same Idempotency-Key (on the same order) is the same return."""
    if key is None:
        return "ret" + uuid.uuid4().hex[:15]
    return "ret" + hashlib.sha256(f"{order_id}\n{key}".encode()).hexdigest()[:15]


def request(
    store: Storage, caller: Caller, order_id: str, payload: dict[str, Any], key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """The owner asks to return some units of a delivered order. Returns (the return as shown,
    replayed): with an Idempotency-Key a retry answers the return it made, never a second one."""
    first = order_writes.read(store, order_id)
    if first is None or first.user_id != caller.user_id:  # someone else's order does not exist for them
        raise NotFound("Order not found")
    wanted_id = return_id(order_id, key)
    wanted = {line["productId"]: int(line["quantity"]) for line in payload["items"]}
    days = config.payment_settings().return_window_days
    seen: list[bool] = []

    def decide(order: Order) -> Any:
        seen.append(any(r.id == wanted_id for r in order.returns))
        return order.request_return(wanted_id, wanted, payload["reason"], time.time(), days)

    order = order_writes.apply(store, order_id, decide, first)
    return next(r for r in order.returns if r.id == wanted_id).shown(order_id), seen[-1]


def decide(
    store: Storage,
    order_id: str,
    return_id: str,
    action: str,
    payload: dict[str, Any],
    provider: PaymentProvider | None = None,
) -> dict[str, Any]:
    """Admin only (checked at the edge): `receive` ({restock}) or `reject` ({reason}) the return.
    Returns the order as shown. A receive asked again (a retry, or two admins at once) finds the
    return received and refunds and restocks nothing more; its refund, if the provider has not
    answered yet, is asked again under the same key (never a second refund)."""
    if action == "receive":
        restock = _only(payload, "restock", "reason")
        refund_id = "r" + uuid.uuid4().hex[:15]
        order = order_writes.apply(
            store, order_id, lambda o: o.receive_return(return_id, bool(restock), refund_id, time.time())
        )
        received = next(r for r in order.returns if r.id == return_id)
        if received.refund_id is not None:
            from . import refunds  # the provider: only for a receive

            order = refunds.settle(store, order, received.refund_id, provider)
    elif action == "reject":
        reason = _only(payload, "reason", "restock")
        order = order_writes.apply(store, order_id, lambda o: o.reject_return(return_id, str(reason), time.time()))
    else:
        raise NotFound("No such action on a return (receive or reject)")
    return history.shown(order.to_item())


def _only(payload: dict[str, Any], wanted: str, refused: str) -> Any:
    """The body field the action takes; the other one is a 400, as an unknown field would be."""
    problems = {}
    if wanted not in payload:
        problems[wanted] = ["Missing data for required field."]
    if refused in payload:
        problems[refused] = ["Unknown field."]
    if problems:
        raise ValidationFailed(details=problems)
    return payload[wanted]
