"""Storage: the only code that speaks DynamoDB (docs/DATA_MODEL.md, CONTRIBUTING.md).

  keys.py         every key format and index key, defined once
  dynamo.py       the client, calls, error translation, transactions, batch reads, paging
  protocol.py     what the services need: one protocol per aggregate, and the Storage that holds them
  failures.py     neutral failures (which line, which condition, the item as found)
  users.py, products.py, images.py, orders.py, idempotency.py, throttles.py, carts.py,
                  payments.py, notifications.py, resets.py: one module per aggregate
  media.py        the media bucket (S3): presigned uploads, bounded reads, renditions

`storage()` is the process-wide Storage on DynamoDB, created on first use and kept for
warm invocations; boto3 is imported only then.
"""

from __future__ import annotations

import functools
from typing import Any


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
        self.users = DynamoUsers(table)
        self.products = DynamoProducts(table)
        self.images = DynamoImages(table)
        self.orders = DynamoOrders(table)
        self.idempotency = DynamoIdempotency(table)
        self.throttles = DynamoThrottles(table)
        self.carts = DynamoCarts(table)
        self.payments = DynamoPayments(table)
        self.notifications = DynamoNotifications(table)
        self.resets = DynamoResets(table)

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
