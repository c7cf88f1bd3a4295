"""Email customers about their orders

Invoked by the order emails queue (raw SNS messages: each body is one order event). Every
message is handled on its own with Powertools' batch utility: one that fails is reported
as a partial batch failure, so only it is retried, and after the queue's maxReceiveCount
it moves to the dead-letter queue (docs/EVENTS.md).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from ..batch_metrics import reports_failed_records
from ..log import logger
from ..mail import Mailer
from ..services import notifications
from ..storage import storage

# Its row in the generated routes tables (devtools.routes): it has no HTTP route of its own.
TRIGGER = "no route: the order emails queue (docs/EVENTS.md)"
WHO = "nobody: emails customers about their orders"

FUNCTION = "notifyCustomers"

# An all-failed batch is reported like any other instead of raising: the same retries.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@functools.cache
def _mailer() -> Mailer:
    return Mailer()


def _one(record: SQSRecord) -> str:
    event: Any = None
    try:
        try:
            event = json.loads(record.body)
        except ValueError:
            raise notifications.UnusableEvent("body is not JSON") from None
        outcome = notifications.notify(storage(), _mailer(), event)
    except Exception as error:  # logged by type, then Powertools reports the message as failed
        logger.warning("order email failed", extra={"function": FUNCTION, "errorType": type(error).__name__})
        raise
    order = event.get("order", {}) if isinstance(event, dict) else {}
    logger.info("order email", extra={"function": FUNCTION, "outcome": outcome, "orderId": order.get("id")})
    return outcome


@reports_failed_records
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=_one, processor=processor, context=context))
