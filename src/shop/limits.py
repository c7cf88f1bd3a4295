"""Limits of the domain that more than one layer enforces (validation, storage conditions)."""

from decimal import Decimal

MAX_PRICE = Decimal("1000000")
MAX_STOCK = 1_000_000
