"""Storage: the only code that speaks DynamoDB (docs/DATA_MODEL.md, CONTRIBUTING.md).

  keys.py         every key format and index key, defined once
  dynamo.py       the client, calls, DynamoDB's answers, transactions, batch reads, paging
                  (throttles and failures become ServiceUnavailable in shop/aws.py)
  protocol.py     what the services need: one protocol per aggregate, and the Storage that holds them
  failures.py     neutral failures (which line, which condition, the item as found)
  users.py, products.py, images.py, orders.py, idempotency.py, throttles.py, carts.py,
                  payments.py, notifications.py, resets.py: one module per aggregate
  stock.py        the stock an order takes and a cancel or an expiry returns (orders.py's transactions)
  media.py        the media bucket (S3): presigned uploads, bounded reads, renditions

Reads hand the services records of shop.domain (Product, Image, User, Cart, ...), built by
their `from_item` from the item without its storage-only attributes; writes take them back.

`storage()` is the process-wide Storage on DynamoDB, created on first use and kept for
warm invocations; boto3 is imported only then.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the protocols the attributes keep to (their types for the type checker)
    from . import protocol


class DynamoStorage:
    """Every aggregate's store on one table."""

    def __init__(self, table: Any):
        from .carts import DynamoCarts
        from .idempotency import DynamoIdempotency
        from .images import DynamoImages
        from .notifications import DynamoNotifications
        from .orders import DynamoOrders
        from .payments import DynamoPayments
        from .products import DynamoProducts
        from .resets import DynamoResets
        from .throttles import DynamoThrottles
        from .users import DynamoUsers

        self.table = table
        self.users: protocol.Users = DynamoUsers(table)
        self.products: protocol.Products = DynamoProducts(table)
        self.images: protocol.Images = DynamoImages(table)
        self.orders: protocol.Orders = DynamoOrders(table)
        self.idempotency: protocol.IdempotencyRecords = DynamoIdempotency(table)
        self.throttles: protocol.Throttles = DynamoThrottles(table)
        self.carts: protocol.Carts = DynamoCarts(table)
        self.payments: protocol.Payments = DynamoPayments(table)
        self.notifications: protocol.Notifications = DynamoNotifications(table)
        self.resets: protocol.PasswordResets = DynamoResets(table)

    @property
    def client(self) -> Any:
        """The boto3 client: tests and benchmarks hook its events to count or fault calls."""
        return self.table.client

    def ping(self) -> None:
        from . import keys

        self.table.get(keys.health_probe())


def connect() -> DynamoStorage:
    from .dynamo import connect as table

    return DynamoStorage(table())


@functools.cache
def storage() -> DynamoStorage:
    return connect()


def reset() -> None:
    """Forget the cached storage and clients (tests and tools change the environment)."""
    from . import dynamo

    storage.cache_clear()
    dynamo.client.cache_clear()
