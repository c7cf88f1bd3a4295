"""Storage: the only code that speaks DynamoDB (docs/DATA_MODEL.md, CONTRIBUTING.md).

  keys.py         every key format and index key, defined once
  dynamo.py       the client, calls, DynamoDB's answers, transactions, batch reads, paging
                  (throttles and failures become ServiceUnavailable in shop/aws.py)
  protocol.py     what the services need: one protocol per aggregate, and the Storage that holds them
  records.py      the plain records storage and services pass each other (Page, OrderLine, ...)
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
    """Every aggregate's store on one table, each made on first use: a function imports only
    the aggregates (and their domain records) its route touches."""

    def __init__(self, table: Any):
        self.table = table

    @functools.cached_property
    def users(self) -> protocol.Users:
        from .users import DynamoUsers

        return DynamoUsers(self.table)

    @functools.cached_property
    def products(self) -> protocol.Products:
        from .products import DynamoProducts

        return DynamoProducts(self.table)

    @functools.cached_property
    def images(self) -> protocol.Images:
        from .images import DynamoImages

        return DynamoImages(self.table)

    @functools.cached_property
    def orders(self) -> protocol.Orders:
        from .orders import DynamoOrders

        return DynamoOrders(self.table)

    @functools.cached_property
    def idempotency(self) -> protocol.IdempotencyRecords:
        from .idempotency import DynamoIdempotency

        return DynamoIdempotency(self.table)

    @functools.cached_property
    def throttles(self) -> protocol.Throttles:
        from .throttles import DynamoThrottles

        return DynamoThrottles(self.table)

    @functools.cached_property
    def carts(self) -> protocol.Carts:
        from .carts import DynamoCarts

        return DynamoCarts(self.table)

    @functools.cached_property
    def payments(self) -> protocol.Payments:
        from .payments import DynamoPayments

        return DynamoPayments(self.table)

    @functools.cached_property
    def notifications(self) -> protocol.Notifications:
        from .notifications import DynamoNotifications

        return DynamoNotifications(self.table)

    @functools.cached_property
    def resets(self) -> protocol.PasswordResets:
        from .resets import DynamoResets

        return DynamoResets(self.table)

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
