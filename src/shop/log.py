"""The functions' one logger: Powertools' JSON logger, configured once, imported by every layer.

A leaf module (it imports nothing of the shop), so a service, storage or a handler logs through
it without reaching up to the HTTP edge. Every line is one JSON object with Powertools' fields
(level, timestamp in RFC 3339, service, message, cold start and request fields where set) and
the caller's `extra` keys. What goes into `extra` is the caller's care: ids, codes, counts and
masked emails (services.throttle.mask_email), never a body, a password, a hash, a token or an
Authorization header (tests/leak_guard.py fails the test session on one).
"""

from __future__ import annotations

import io
import os
import sys
from typing import IO, cast

from aws_lambda_powertools import Logger

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api")


class _CurrentStdout(io.TextIOBase):
    """Whatever `sys.stdout` is when a line is written, not the one of the moment this module was
    first imported (on Lambda they are the same): a stream replaced for a while (a test's
    capture, a runner's redirect) and then dropped would otherwise swallow every later line."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


logger = Logger(
    service=SERVICE,
    level=os.environ.get("LOG_LEVEL", "INFO"),
    use_rfc3339=True,
    stream=cast("IO[str]", _CurrentStdout()),
)
logger.remove_keys(["location"])  # file:line of the logging call: noise in every line
