"""Limits and defaults of the domain that more than one layer uses (validation, storage conditions,
the services), each defined here once."""

import re
from decimal import Decimal

MAX_PRICE = Decimal("1000000")
MAX_STOCK = 1_000_000
# A product image upload: the presigned form's length range, the body schema, the bounded read.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# An order's currency when neither the order nor CURRENCY says otherwise (ISO 4217, lower case).
DEFAULT_CURRENCY = "usd"
# ISO 4217 minor units of the currencies this shop may be configured with (Stripe's lists:
# zero-decimal currencies are charged in whole units, never x100).
MINOR_UNITS = {
    "usd": 2,
    "eur": 2,
    "gbp": 2,
    "chf": 2,
    "cad": 2,
    "aud": 2,
    "nzd": 2,
    "sek": 2,
    "nok": 2,
    "dkk": 2,
    "pln": 2,
    "czk": 2,
    "mxn": 2,
    "brl": 2,
    "sgd": 2,
    "hkd": 2,
    "inr": 2,
    "jpy": 0,
    "krw": 0,
    "vnd": 0,
    "clp": 0,
    "pyg": 0,
    "xof": 0,
}
# An id a record can have (a path parameter, an order id named by a webhook): anything else is
# answered as unknown without a read, and never reaches a DynamoDB key (2,048 bytes at most).
MAX_PATH_ID = 128
PATH_ID = re.compile(rf"[A-Za-z0-9._~-]{{1,{MAX_PATH_ID}}}")
