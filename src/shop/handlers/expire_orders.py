"""Expire unpaid orders (scheduled, not an HTTP route)

EventBridge invokes this every 5 minutes on AWS; the local server runs the same sweep as a
background job (devtools.local_jobs.expiry_sweep). See shop.services.expiry.
"""

from __future__ import annotations

from typing import Any

from ..services import expiry
from ..storage import storage

# Its row in the generated routes tables (devtools.routes): it has no HTTP route of its own.
TRIGGER = "no route: EventBridge, every 5 minutes (locally a background job)"
WHO = "nobody: expires unpaid orders"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return expiry.scheduled(storage(), context)
