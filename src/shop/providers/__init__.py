"""Payment providers: one interface, two implementations (docs/ORDERS.md, "Payment").

  fake.py        the default locally and in tests: Stripe's test payment-method names, no network,
                 and a ledger of every charge so tests can count them
  stripe_api.py  the official `stripe` library: one PaymentIntent per order, confirmed with the method

`provider()` is the process-wide one named by PAYMENT_PROVIDER. Only the payment route imports
this package, and only the stripe provider imports `stripe`, so no other function pays for it.
"""

from __future__ import annotations

import functools
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


def provider() -> PaymentProvider:
    from .. import config

    settings = config.payment_settings()
    if settings.provider == "stripe":  # its key may be created after a cold start (config.stripe_secret)
        return _stripe(config.stripe_secret("STRIPE_SECRET_KEY"), settings.stripe_api_base)
    return _fake()


@functools.cache
def _stripe(api_key: str | None, api_base: str | None) -> PaymentProvider:
    from .stripe_api import StripeProvider

    return StripeProvider(api_key, api_base)


@functools.cache
def _fake() -> PaymentProvider:
    from .fake import FakeProvider

    return FakeProvider()


def reset() -> None:
    _stripe.cache_clear()
    _fake.cache_clear()
