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
# An id a record can have (a path parameter, an order id named by a webhook): anything else is
# answered as unknown without a read, and never reaches a DynamoDB key (2,048 bytes at most).
MAX_PATH_ID = 128
PATH_ID = re.compile(rf"[A-Za-z0-9._~-]{{1,{MAX_PATH_ID}}}")
