"""Limits and defaults of the domain that more than one layer uses (validation, storage conditions,
the services), each defined here once."""

from decimal import Decimal

MAX_PRICE = Decimal("1000000")
MAX_STOCK = 1_000_000
# A product image upload: the presigned form's length range, the body schema, the bounded read.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# An order's currency when neither the order nor CURRENCY says otherwise (ISO 4217, lower case).
DEFAULT_CURRENCY = "usd"
