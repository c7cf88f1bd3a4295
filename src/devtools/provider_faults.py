"""The payment provider's bad days, for the soak (make soak): the `fake` provider of the running
local server made slow, failing, or answering only after the caller's timeout, on the same
schedule as the AWS faults (devtools.fault_proxy; FAULT_SCHEDULE), with `"target": "payment"`:

    {"target": "payment", "kind": "lost", "rate": 0.2, "seconds": 3, "start": ..., "end": ...,
     "operations": ["charge"]}

- `slow`: the call waits `seconds`, then reaches the provider and answers;
- `error`: the provider fails before doing anything (nothing charged or refunded): the caller
  sees ProviderUnavailable, as for Stripe's 500s and connection errors;
- `lost`: the call reaches the provider and is applied (the card is charged, the refund given),
  then the answer comes `seconds` late, after the caller gave up: ProviderUnavailable. Only a
  retry with the same idempotency key, or the provider's webhook, tells the shop what happened.

Each injected fault is logged to FAULT_LOG like the proxy's, with `"target": "payment"`.

Installed by the local server's own processes only (the gunicorn workers, devtools.local_wsgi;
the jobs, devtools.local_jobs) and only when FAULT_SCHEDULE is set. It patches the `fake`
provider's class from outside: nothing in src/shop reads FAULT_SCHEDULE, and devtools is never
packaged, so a deployed function cannot turn it on (tests/deploy/test_artifacts.py).
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .fault_proxy import Schedule

TARGET = "payment"
KINDS = ("slow", "error", "lost")
OPERATIONS = ("charge", "refund")
_lock = threading.Lock()


def _record(log_path: Path, kind: str, operation: str) -> None:
    line = json.dumps({"at": time.time(), "target": TARGET, "kind": kind, "operation": operation})
    with _lock, log_path.open("a") as log:
        log.write(line + "\n")


def faulty(method: Callable[..., Any], operation: str, schedule: Schedule, log_path: Path) -> Callable[..., Any]:
    """`method` of the provider, meeting the schedule's payment faults."""
    from shop.providers import ProviderUnavailable

    @functools.wraps(method)
    def call(self: Any, request: Any) -> Any:
        fault = schedule.pick(TARGET, operation) or {}
        kind = fault.get("kind")
        if kind not in KINDS:
            return method(self, request)
        _record(log_path, kind, operation)
        seconds = float(fault.get("seconds", 2))
        if kind == "error":
            raise ProviderUnavailable(f"injected: the provider failed before the {operation}")
        if kind == "slow":
            time.sleep(seconds)
            return method(self, request)
        method(self, request)  # "lost": applied at the provider ...
        time.sleep(seconds)  # ... and its answer arrives after the caller's timeout
        raise ProviderUnavailable(f"injected: the {operation} was applied, its answer lost")

    call.__wrapped_by_faults__ = True  # type: ignore[attr-defined]
    return call


def install() -> bool:
    """With FAULT_SCHEDULE set, the fake provider's charge and refund meet the schedule's payment
    faults in this process; without it, nothing (False). Idempotent."""
    schedule_path = os.environ.get("FAULT_SCHEDULE")
    if not schedule_path:
        return False
    from shop.providers.fake import FakeProvider

    folder = Path(os.environ.get("LOCAL_DATA_DIR") or ".")
    log_path = Path(os.environ.get("FAULT_LOG") or folder / "faults.jsonl")
    schedule = Schedule(Path(schedule_path))
    for operation in OPERATIONS:
        method = getattr(FakeProvider, operation)
        if not getattr(method, "__wrapped_by_faults__", False):
            setattr(FakeProvider, operation, faulty(method, operation, schedule, log_path))
    return True
