"""Publish order events

Invoked by the table's stream (only order items pass its filter): each change of an
order's status, and each failed payment, becomes one event on the SNS topic, in stream
order. A record that could not be published is reported as a partial batch failure, and
Lambda retries the batch from it (docs/EVENTS.md).
"""

from __future__ import annotations

import functools
from typing import Any

from .. import config
from ..batch_metrics import reports_failed_records
from ..events_topic import Topic
from ..services import order_events

# Its row in the generated routes tables (devtools.routes): it has no HTTP route of its own.
TRIGGER = "no route: the table's stream (docs/EVENTS.md)"
WHO = "nobody: publishes order events to SNS"


@functools.cache
def _topic() -> Topic:
    return Topic()


@reports_failed_records
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failed = order_events.publish_records(event.get("Records") or [], _topic(), config.payment_settings().currency)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
