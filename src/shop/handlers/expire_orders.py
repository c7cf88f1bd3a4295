"""Expire unpaid orders (scheduled, not an HTTP route)

EventBridge invokes this every 5 minutes on AWS; the local server runs the same sweep as a
background job (devtools.local_jobs.expiry_sweep). See shop.services.expiry.
"""

from __future__ import annotations

from typing import Any

from .. import deadline
from ..edge import logger
from ..services import expiry
from ..storage import storage


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The deadline from the Lambda context: the sweep stops in time, and the next run goes on.
    time_limit = deadline.start(context)
    try:
        result = expiry.sweep(storage())
    finally:
        deadline.end(time_limit)
    logger.info("expiry sweep", extra={**result.as_dict(), "more": result.more})
    return result.as_dict()
