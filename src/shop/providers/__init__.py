"""Payment providers: one interface, two implementations (docs/ORDERS.md, "Payment").

  base.py        the interface: Charge, Outcome, RefundRequest, RefundOutcome, PaymentProvider, its failures
  fake.py        the default locally and in tests: Stripe's test payment-method names, no network,
                 and a ledger of every charge that every local worker process shares
  stripe_api.py  the official `stripe` library: one PaymentIntent per order, confirmed with the method

`provider()` is the process-wide one named by PAYMENT_PROVIDER. Only the payment route imports
this package, and only the stripe provider imports `stripe`, so no other function pays for it.
"""

from __future__ import annotations

import functools

# The interface, importable from here; defined in base.py so the implementations need not import
# this package (which imports them).
from ..money import minor_units
from .base import (
    Charge,
    IdempotencyConflict,
    Outcome,
    PaymentProvider,
    ProviderUnavailable,
    RefundOutcome,
    RefundRequest,
    UnknownPaymentMethod,
)

__all__ = [
    "Charge",
    "IdempotencyConflict",
    "Outcome",
    "PaymentProvider",
    "ProviderUnavailable",
    "RefundOutcome",
    "RefundRequest",
    "UnknownPaymentMethod",
    "minor_units",
    "provider",
]


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
