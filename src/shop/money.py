"""Currencies and the amounts providers take: the currency table (limits.MINOR_UNITS, next to
the default currency) and the largest charge Stripe accepts. A currency not in the table is refused at start-up
(config.payment_settings), never charged with a guessed number of decimals."""

from __future__ import annotations

from decimal import Decimal

from .limits import MINOR_UNITS

__all__ = [
    "MAX_CHARGE_MINOR",
    "MINOR_UNITS",
    "NotChargeable",
    "chargeable",
    "from_minor_units",
    "max_charge",
    "minor_units",
]

# Stripe's largest amount for one charge: 99,999,999 in the currency's minor unit
# (999,999.99 in a two-decimal currency).
MAX_CHARGE_MINOR = 99_999_999


class NotChargeable(ValueError):
    """An amount a provider cannot take in this currency (fractions of its minor unit, too large)."""


def minor_units(amount: Decimal, currency: str) -> int:
    """An exact amount as the integer number of the currency's minor units providers take."""
    scaled = amount.scaleb(MINOR_UNITS[currency])
    if scaled != scaled.to_integral_value():
        raise NotChargeable(f"{amount} is not exact to the {currency} minor unit")
    return int(scaled)


def chargeable(amount: Decimal, currency: str) -> bool:
    try:
        return 0 < minor_units(amount, currency) <= MAX_CHARGE_MINOR
    except NotChargeable:
        return False


def max_charge(currency: str) -> Decimal:
    return from_minor_units(MAX_CHARGE_MINOR, currency)


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-MINOR_UNITS[currency])
