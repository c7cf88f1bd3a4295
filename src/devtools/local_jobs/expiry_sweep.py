"""The scheduled expiry sweep, as a background job of the local server (EventBridge runs the
expireOrders function every 5 minutes on AWS; locally every EXPIRY_SWEEP_SECONDS, default 30)."""

from __future__ import annotations

import os

NAME = "expiry-sweep"
DEFAULT_SECONDS = 30.0


def interval_seconds() -> float:
    raw = os.environ.get("EXPIRY_SWEEP_SECONDS", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS
    return value if value > 0 else DEFAULT_SECONDS


def tick() -> None:
    """One sweep through the same handler the deployed function runs."""
    from shop.handlers import expire_orders

    expire_orders.handler({"source": "local.expiry-sweep", "detail-type": "Scheduled Event"}, None)
