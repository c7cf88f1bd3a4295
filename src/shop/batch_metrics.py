"""The canary's signal for the event-source functions (deploy/plugins/canary.js).

A queue or stream handler reports a record it could not handle as a partial batch failure and
returns normally, so Lambda's own Errors metric stays 0 even when a new release fails every
record. Each batch with failures therefore adds one Embedded Metric Format datapoint,
`ShopApi/FailedRecords` = how many records failed, dimensioned by function and executed version
(as the edge counts an HTTP function's 5xx answers), which the function's canary alarm watches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .metrics import NAMESPACE

FAILED_RECORDS_METRIC = "FailedRecords"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def reports_failed_records(handler: Handler) -> Handler:
    """Wrap a batch handler: what it returns is unchanged; its batchItemFailures are counted."""

    @functools.wraps(handler)
    def wrapped(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = handler(event, context)
        failed = len(response.get("batchItemFailures") or []) if isinstance(response, dict) else 0
        if failed:
            _count(context, failed)
        return response

    return wrapped


def _count(context: Any, failed: int) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    dimensions = {
        "function": str(getattr(context, "function_name", None) or "unknown"),
        "version": str(getattr(context, "function_version", None) or "$LATEST"),
    }
    with single_metric(
        name=FAILED_RECORDS_METRIC,
        unit=MetricUnit.Count,
        value=failed,
        namespace=NAMESPACE,
        default_dimensions=dimensions,
    ):
        pass
