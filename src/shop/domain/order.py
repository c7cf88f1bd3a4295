"""The order aggregate: its status, history, payment, refunds and returns change only through these
methods. Each returns a `Change`: the order as it would be and the `Write` that stores it (one
conditional write on the version and status read, with stock returned in the same transaction when
it leaves for good or a return is restocked). A write that loses is re-decided from a fresh read by
services/order_writes.py; nothing here retries or reads."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ..clock import iso
from ..limits import DEFAULT_CURRENCY
from . import refund as refunds_
from . import returns as returns_
from .customer import Customer
from .payment import DECLINED, FAILED, IN_FLIGHT, REQUIRES_ACTION, SUCCEEDED, Attempt, Payment
from .refund import PENDING, Refund
from .refusals import AttemptInFlight, ExceedsPayment, KeyReused, NotAllowed, NothingLeft, WindowClosed
from .returns import RECEIVED, REJECTED, Return
from .write import Write as Write  # where storage and the services find it

# The lifecycle: no status is ever entered twice.
TRANSITIONS = {
    "pending": frozenset({"paid", "cancelled", "expired"}),
    "paid": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
}
RESTOCKING = frozenset({"cancelled", "expired"})
PAYABLE = "pending"
HISTORY_LIMIT = 20  # an order keeps its last 20 transitions; the lifecycle has at most 4
OWNED = ("status", "statusHistory", "payment", "refunds", "returns", "tracking", "version", "updatedAt")
CHARGED = frozenset({SUCCEEDED, "partially_refunded", "refunded"})


@dataclass(frozen=True)
class Change:
    order: Order
    write: Write | None  # None: the order is already as asked (a replay), nothing to store


@dataclass(frozen=True)
class Order:
    id: str
    user_id: str
    status: str
    total: Decimal
    created_at: str
    updated_at: str
    payment: Payment
    history: tuple[dict[str, Any], ...] = ()
    version: int = 0
    refunds: tuple[Refund, ...] = ()
    tracking: dict[str, Any] | None = None  # the parcel's carrier, number and url, set when shipped
    customer: Customer = field(default_factory=Customer)  # who placed it; unknown on older orders
    returns: tuple[Return, ...] = ()
    item: dict[str, Any] = field(default_factory=dict, compare=False)  # as read, for the write

    @property
    def lines(self) -> list[dict[str, Any]]:
        return list(self.item.get("items") or [])

    @classmethod
    def from_item(cls, item: dict[str, Any], currency: str = DEFAULT_CURRENCY) -> Order:
        total = Decimal(item["totalAmount"])
        created = str(item.get("createdAt", ""))
        return cls(
            id=str(item["id"]),
            user_id=str(item["userId"]),
            status=str(item["status"]),
            total=total,
            created_at=created,
            updated_at=str(item.get("updatedAt", created)),
            payment=Payment.from_item(item.get("payment"), total, currency),
            history=tuple(step for step in item.get("statusHistory") or [] if isinstance(step, dict)),
            version=int(item.get("version", 0)),
            refunds=tuple(Refund.from_item(r) for r in item.get("refunds") or [] if isinstance(r, dict) and "id" in r),
            tracking=item["tracking"] if isinstance(item.get("tracking"), dict) else None,
            customer=Customer.from_item(item.get("customer")),
            returns=tuple(Return.from_item(r) for r in item.get("returns") or [] if isinstance(r, dict) and "id" in r),
            item=item,
        )

    def to_item(self) -> dict[str, Any]:
        item = {k: v for k, v in self.item.items() if k not in OWNED}
        item.update(status=self.status, statusHistory=list(self.history), payment=self.payment.to_item())
        item.update(version=self.version, updatedAt=self.updated_at)
        if self.refunds or "refunds" in self.item:
            item["refunds"] = [r.to_item() for r in self.refunds]
        if self.tracking is not None:
            item["tracking"] = dict(self.tracking)
        if self.returns:
            item["returns"] = [r.to_item() for r in self.returns]
        return item

    # --- the lifecycle -------------------------------------------------------------------

    def move(
        self, status: str, by: str, now: float, refund_id: str | None = None, tracking: dict[str, Any] | None = None
    ) -> Change:
        """An admin's move along the lifecycle (ship, deliver; a shipment may carry its `tracking`). Paying
        is not a move: only a charge marks an order paid; leaving for good is cancel() or expire()."""
        if status == "paid":
            raise NotAllowed(f"Order is {self.status}; only a payment can mark it paid")
        if status in RESTOCKING:
            return self.cancel(by, now, refund_id) if status == "cancelled" else self.expire(now)
        if tracking is not None:
            if status != "shipped":
                raise NotAllowed("Only a shipment carries tracking")
            return self._moved(status, by, now, tracking=dict(tracking))
        return self._moved(status, by, now)

    def cancel(self, by: str, now: float, refund_id: str | None = None) -> Change:
        """Cancelling a paid order refunds what is left of its charge in full, in the same write
        (`pending` until the provider confirms it, see settle_refund)."""
        self._idle(now)
        left = self.left_to_refund()
        if self.status == "paid" and left > 0 and refund_id is not None:
            refund = Refund(refund_id, left, "order_cancelled", PENDING, iso(now))
            return self._moved("cancelled", by, now, restock=True, **self._with_refund(refund))
        return self._moved("cancelled", by, now, restock=True)

    def expire(self, now: float) -> Change:
        self._idle(now)
        return self._moved("expired", "system", now, restock=True)

    # --- payment attempts ----------------------------------------------------------------

    def window_closed(self, now: float, window_seconds: int) -> bool:
        return self.created_at <= iso(now - window_seconds)

    def begin_attempt(
        self, attempt_id: str, method: str, key: str | None, now: float, until: int, window_seconds: int
    ) -> Change:
        if self.status != PAYABLE:
            raise NotAllowed(f"Order is {self.status}; only a pending order can be paid")
        if self.payment.key_reused(key, method):
            raise KeyReused("Idempotency-Key was already used with another payment method")
        self._idle(now)
        if self.window_closed(now, window_seconds):
            raise WindowClosed("The order's payment window is over")
        attempt = Attempt(attempt_id, method, key, IN_FLIGHT, until, iso(now))
        return self._changed(payment=self.payment.with_attempt(attempt), now=now)

    def record_charge(
        self, attempt_id: str | None, details: dict[str, Any], by: str, now: float, refund_id: str | None = None
    ) -> Change:
        """The charge of `details["reference"]` succeeded (the attempt's answer or the provider's
        webhook, whichever lands first; the other finds it recorded). On an order that can no
        longer ship (cancelled, expired) it is recorded with a refund of all of it
        (`order_not_payable`, with `refund_id`): no money is kept for an order that will not ship."""
        payment = self._settled(attempt_id, SUCCEEDED)
        if self.status != PAYABLE:
            if self.payment.get("reference") == details.get("reference") and self.payment.status in CHARGED:
                return Change(self, None) if payment is self.payment else self._changed(payment=payment, now=now)
            if self.status in RESTOCKING and self.payment.status not in CHARGED and refund_id is not None:
                charged = replace(payment, status=SUCCEEDED, details=()).with_details(paidAt=iso(now), **details)
                refund = Refund(refund_id, self.total, "order_not_payable", PENDING, iso(now))
                kept = replace(self, payment=charged)
                return kept._changed(now=now, **kept._with_refund(refund))
            raise NotAllowed(f"Order is {self.status}; the charge cannot be recorded on it")
        paid = replace(payment, status=SUCCEEDED, details=())  # no lastDecline, no nextAction
        paid = paid.with_details(paidAt=iso(now), **details)
        return self._moved("paid", by, now, payment=paid)

    def record_decline(self, attempt_id: str | None, decline: dict[str, Any], now: float) -> Change:
        """The attempt was declined. Its marker alone is cleared; a decline already recorded for
        it (the attempt's answer, then the provider's webhook of the same decline) is not new."""
        attempt = self.payment.attempt(attempt_id)
        if attempt is not None and attempt.status == DECLINED:
            return Change(self, None)
        payment = self._settled(attempt_id, DECLINED)
        if self.status == PAYABLE:
            payment = payment.with_details(drop=("nextAction",), lastDecline={**decline, "at": iso(now)})
            payment = replace(payment, status="requires_payment")
        if payment == self.payment:
            return Change(self, None)
        return self._changed(payment=payment, now=now)

    def require_action(self, attempt_id: str, url: str, now: float) -> Change:
        """The provider wants the customer to authenticate (3-D Secure): the attempt stops holding
        the order (it still expires at the end of its window); the provider's webhook settles it."""
        payment = self._settled(attempt_id, REQUIRES_ACTION)
        if self.status != PAYABLE or payment is self.payment:
            return Change(self, None)
        action = {"type": "redirect_to_url", "url": url}
        return self._changed(payment=replace(payment, status=REQUIRES_ACTION).with_details(nextAction=action), now=now)

    def end_attempt(self, attempt_id: str, now: float) -> Change:
        """The attempt ended without an answer (the provider failed): only its marker goes."""
        payment = self._settled(attempt_id, FAILED)
        return Change(self, None) if payment is self.payment else self._changed(payment=payment, now=now)

    def latest_attempt(self) -> Attempt | None:
        return self.payment.attempts[-1] if self.payment.attempts else None

    # --- refunds -----------------------------------------------------------------------

    def charged(self) -> bool:
        return self.payment.status in CHARGED and bool(self.payment.get("reference"))

    def left_to_refund(self) -> Decimal:
        return self.payment.amount - refunds_.reserved(self.refunds) if self.charged() else Decimal("0")

    def find_refund(self, refund_id: str | None = None, key: str | None = None) -> Refund | None:
        return next((r for r in self.refunds if r.id == refund_id or (key is not None and r.key == key)), None)

    def refund(self, refund_id: str, amount: Decimal | None, reason: str, key: str | None, now: float) -> Change:
        """Reserve `amount` (None: all that is left) of the charge for a refund, `pending` until
        the provider answers. The same key (or id) again is the same refund."""
        if self.find_refund(refund_id, key) is not None:
            return Change(self, None)
        if not self.charged():
            raise NothingLeft("The order has no successful charge")
        left = self.left_to_refund()
        if left <= 0:
            raise NothingLeft("All of the charge is refunded or on its way back")
        amount = left if amount is None else amount
        if amount > left:
            raise ExceedsPayment(f"At most {left} is left to refund")
        return self._changed(now=now, **self._with_refund(Refund(refund_id, amount, reason, PENDING, iso(now), key)))

    def settle_refund(self, refund_id: str, status: str, reference: str | None, now: float) -> Change:
        """The provider's answer for a refund: succeeded, or failed (its amount is free again)."""
        found = self.find_refund(refund_id)
        if found is None or (found.status == status and (reference is None or found.reference == reference)):
            return Change(self, None)
        settled = replace(found, status=status, reference=reference or found.reference)
        return self._changed(now=now, **self._with_refund(settled))

    def _with_refund(self, refund: Refund) -> dict[str, Any]:
        refunds = (*(r for r in self.refunds if r.id != refund.id), refund)
        given_back = refunds_.refunded(refunds)
        status = refunds_.payment_status(self.payment.amount, refunds)
        payment = replace(self.payment, status=status).with_details(refundedAmount=given_back)
        return {"refunds": refunds, "payment": payment}

    # --- returns (shop.domain.returns) ------------------------------------------------------

    def request_return(self, return_id: str, wanted: dict[str, int], reason: str, now: float, days: int) -> Change:
        if returns_.replayed(self.returns, return_id, wanted, reason):
            return Change(self, None)
        returns_.check_window(self.status, self.history, self.updated_at, now, days)
        asked = returns_.requested(return_id, self.lines, self.returns, wanted, reason, iso(now))
        return self._changed(now=now, returns=(*self.returns, asked))

    def receive_return(self, return_id: str, restock: bool, refund_id: str, now: float) -> Change:
        """The units arrived: the return's amount (at most what is left of the charge) is refunded and,
        with `restock`, its units go back in stock, in one transaction, once (received once only)."""
        found = returns_.find(self.returns, return_id)
        if found.status == RECEIVED:
            return Change(self, None)
        amount = min(found.amount, self.left_to_refund())
        refund = Refund(refund_id, amount, returns_.REFUND_REASON, PENDING, iso(now))
        changed = self._with_refund(refund) if amount > 0 else {}
        received = found.decided(RECEIVED, iso(now), refund_id=refund_id if amount > 0 else None, restocked=restock)
        lines = returns_.units(found) if restock else ()
        return self._changed(now=now, restock_lines=lines, returns=returns_.replaced(self.returns, received), **changed)

    def reject_return(self, return_id: str, reason: str, now: float) -> Change:
        found = returns_.find(self.returns, return_id)
        if found.status == REJECTED and found.rejection == reason:
            return Change(self, None)
        rejected = found.decided(REJECTED, iso(now), rejection=reason)
        return self._changed(now=now, returns=returns_.replaced(self.returns, rejected))

    # --- the mechanics -------------------------------------------------------------------

    def _idle(self, now: float) -> None:
        live = self.payment.live_attempt(int(now))
        if live is not None:
            raise AttemptInFlight(live.until)

    def _settled(self, attempt_id: str | None, status: str) -> Payment:
        attempt = self.payment.attempt(attempt_id)
        if attempt is None or attempt.status == status or attempt.status == SUCCEEDED:
            return self.payment
        return self.payment.with_attempt(replace(attempt, status=status))

    def _moved(self, status: str, by: str, now: float, restock: bool = False, **changed: Any) -> Change:
        if status not in TRANSITIONS[self.status]:
            raise NotAllowed(f"Order is {self.status}; it cannot become {status}")
        step = {"status": status, "at": iso(now), "by": by}
        history = (*self.history, step)[-HISTORY_LIMIT:]
        return self._changed(status=status, history=history, now=now, restock=restock, **changed)

    def _changed(
        self, now: float, restock: bool = False, restock_lines: tuple[dict[str, Any], ...] = (), **changed: Any
    ) -> Change:
        new = replace(self, **changed, version=self.version + 1, updated_at=iso(now))
        before, after = self.item, new.to_item()
        changes = {k: v for k, v in after.items() if k in OWNED and before.get(k) != v}
        changes["version"] = new.version
        stored = {**before, **changes}
        return Change(replace(new, item=stored), Write(before, changes, restock, restock_lines))
