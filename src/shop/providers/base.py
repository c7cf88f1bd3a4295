"""The payment provider interface (re-exported by shop.providers): what a charge is, what comes
back, and what a provider raises."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Charge:
    order_id: str
    amount_cents: int
    currency: str
    payment_method: str
    idempotency_key: str  # derived from the order and the method: a retry never charges twice


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    reference: str | None  # the provider's id for the payment (a PaymentIntent id)
    reason: str | None = None  # why it was declined: card_declined, insufficient_funds, ...


class UnknownPaymentMethod(Exception):
    """The provider does not know the payment method the client sent."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed; the charge may or may not have happened,
    and a retry with the same idempotency key settles which."""


class PaymentProvider(Protocol):
    name: str

    def charge(self, charge: Charge) -> Outcome: ...


def cents(amount: Decimal) -> int:
    """An exact amount to the cent as the integer number of cents providers take."""
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} is not exact to the cent")
    return int(scaled)
