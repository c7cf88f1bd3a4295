"""The order events topic (SNS): where publishOrderEvents sends each order event
(docs/EVENTS.md). The client is made on first use by shop.aws and kept for warm invocations."""

from __future__ import annotations

import functools
from typing import Any

from . import aws, config, jsonio
from .errors import ServiceUnavailable
from .log import logger

PUBLISH_BATCH_LIMIT = 10  # SNS PublishBatch takes at most 10 entries


@functools.cache
def _sns(region: str) -> Any:
    return aws.client("sns", region)


class Topic:
    """The order events topic. Each event is one message; its `eventType` attribute is
    what subscriptions filter on."""

    def __init__(self, arn: str | None = None):
        self.arn = arn or config.required("EVENTS_TOPIC_ARN")

    def publish(self, events: list[dict[str, Any]]) -> list[int]:
        """Publish `events` (at most PUBLISH_BATCH_LIMIT) in one PublishBatch; returns the indexes
        that failed (all of them when SNS could not be reached or refused the call)."""
        entries = [
            {
                "Id": str(index),
                "Message": jsonio.dumps(event),
                "MessageAttributes": {"eventType": {"DataType": "String", "StringValue": event["type"]}},
            }
            for index, event in enumerate(events)
        ]
        try:
            with aws.translated(refusals=True):
                response = _sns(aws.region()).publish_batch(TopicArn=self.arn, PublishBatchRequestEntries=entries)
        except ServiceUnavailable as unavailable:
            logger.warning(  # safe: the type of the error SNS's call raised, only
                "order events not published", extra={"errorType": type(unavailable.__context__).__name__}
            )
            return list(range(len(events)))
        failed = response.get("Failed", [])
        if failed:
            logger.warning(  # safe: SNS's error codes only
                "order events refused", extra={"codes": sorted({f.get("Code", "") for f in failed})}
            )
        return sorted(int(entry["Id"]) for entry in failed)


def reset() -> None:
    """Forget the cached client (tests and tools change the environment)."""
    _sns.cache_clear()
