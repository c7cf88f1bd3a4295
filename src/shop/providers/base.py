"""The payment provider interface (re-exported by shop.providers): what a charge and a refund
are, what comes back, and what a provider raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Charge:
    order_id: str
    amount_minor: int  # in the currency's minor unit (cents; whole yen)
    currency: str
    payment_method: str
    idempotency_key: str  # of this attempt of this order: a retry of the attempt never charges twice
    return_url: str | None = None  # where the bank sends the customer back after 3-D Secure (stripe)


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    reference: str | None  # the provider's id for the payment (a PaymentIntent id)
    reason: str | None = None  # why it was declined: card_declined, insufficient_funds, ...; or requires_action
    next_action_url: str | None = None  # requires_action (3-D Secure): where the customer authenticates


@dataclass(frozen=True)
class RefundRequest:
    order_id: str
    reference: str  # the charge's payment (a PaymentIntent id)
    amount_minor: int
    currency: str
    idempotency_key: str  # of this refund of this order: a retry never refunds twice


@dataclass(frozen=True)
class RefundOutcome:
    status: str  # succeeded | pending | failed
    reference: str | None  # the provider's refund id


class UnknownPaymentMethod(Exception):
    """The provider does not know the payment method the client sent."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed; the charge may or may not have happened,
    and a retry with the same idempotency key settles which."""


class IdempotencyConflict(Exception):
    """The provider already saw this idempotency key with other parameters (Stripe's
    idempotency_error). Keys are per attempt of an order, so this is a bug, never a client's doing."""


class PaymentProvider(Protocol):
    name: str

    def charge(self, charge: Charge) -> Outcome: ...

    def refund(self, refund: RefundRequest) -> RefundOutcome: ...

    def release(self, order_id: str) -> str:
        """The order expires: cancel its payment awaiting the customer's authentication, so that a
        late approval at the bank charges nothing. Returns "released" (nothing of it can charge any
        more) or "charged" (a payment of it already succeeded: its webhook settles the order)."""
        ...

    def ledger_of(self, order_id: str) -> list[dict[str, Any]]:
        """The order's charges and refunds as the provider has them: `{orderId, kind: "charge" |
        "refund", amount (in the currency's major unit, a Decimal), status}` (reconciliation)."""
        ...

    def active_since(self, since: float) -> set[str]:
        """The ids of the orders with a charge or a refund made at the provider since `since`
        (epoch seconds): the scheduled reconciliation's candidates from the provider's side."""
        ...
