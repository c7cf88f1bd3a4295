"""Publish order events

Invoked by the table's stream (only order items pass its filter): each change of an
order's status, and each failed payment, becomes one event on the SNS topic, in stream
order. A record that could not be published is reported as a partial batch failure, and
Lambda retries the batch from it (docs/EVENTS.md).
"""

from __future__ import annotations

import functools
import os
from typing import Any

from ..edge import logger
from ..messaging import Topic
from ..services import order_events
from ..storage.changes import order_change

FUNCTION = "publishOrderEvents"


@functools.cache
def _topic() -> Topic:
    return Topic()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records") or []
    changes = [order_change(record) for record in records]
    failed = order_events.publish(changes, _topic(), os.environ.get("CURRENCY", "usd"))
    logger.info(
        "order events published",
        extra={
            "function": FUNCTION,
            "records": len(records),
            "orderChanges": sum(c is not None for c in changes),
            "failedFrom": failed,
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
