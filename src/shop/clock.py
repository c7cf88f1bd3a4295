from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    """ISO-8601 UTC with milliseconds; sorts lexically in time order."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso(epoch_seconds: float) -> str:
    """The same format as now_iso, for another moment."""
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
