"""The functions' one logger: Powertools' JSON logger, configured once, imported by every layer.

A leaf module (it imports nothing of the shop), so a service, storage or a handler logs through
it without reaching up to the HTTP edge. Every line is one JSON object with Powertools' fields
(level, timestamp in RFC 3339, service, message, cold start and request fields where set) and
the caller's `extra` keys. What goes into `extra` is the caller's care: ids, codes, counts and
masked emails (services.throttle.mask_email), never a body, a password, a hash, a token or an
Authorization header (tests/leak_guard.py fails the test session on one).
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api")

logger = Logger(service=SERVICE, level=os.environ.get("LOG_LEVEL", "INFO"), use_rfc3339=True)
logger.remove_keys(["location"])  # file:line of the logging call: noise in every line
