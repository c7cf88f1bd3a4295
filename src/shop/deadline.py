"""The request's deadline, from the Lambda context's remaining time.

Every AWS call goes through botocore with at most ATTEMPTS attempts, each bounded by the
connect and read timeouts, with botocore's backoff in between (aws.py). No attempt starts
unless the worst it can cost (its own timeouts, then the longest backoff before the next
one) still fits before the deadline, less RESERVE to answer: a request that DynamoDB or SSM
keeps failing is a 503 before Lambda's timeout, never a gateway 504 after it, however many
calls it makes. tests/integration/test_deadlines.py runs every function of serverless.yml
against hanging and slow backends on a simulated clock.
"""

from __future__ import annotations

import contextvars
import time
from typing import Any

CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.5
ATTEMPTS = 3  # in all, the first included
# botocore's standard mode waits a random 0 to 2**(n-1) s before attempt n + 1.
MAX_BACKOFF = 2 ** (ATTEMPTS - 2)
ATTEMPT_BUDGET = CONNECT_TIMEOUT + READ_TIMEOUT + MAX_BACKOFF
RESERVE = 0.25  # to render the 503 and write the log line

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)
_now = time.monotonic  # tests move a simulated clock instead


class DeadlineReached(Exception):
    """Not enough of the invocation's time is left to start another AWS attempt."""


def start(context: Any) -> contextvars.Token[float | None]:
    """Set the deadline from the Lambda context (none without one: tools, scripts)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return _deadline.set(None if remaining is None else _now() + remaining() / 1000)


def end(token: contextvars.Token[float | None]) -> None:
    _deadline.reset(token)


def left() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - _now()


def before_attempt(**_: Any) -> None:
    """botocore's before-send hook: refuse an attempt that might not finish in time."""
    remaining = left()
    if remaining is not None and remaining < ATTEMPT_BUDGET + RESERVE:
        raise DeadlineReached()
