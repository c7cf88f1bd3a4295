"""Login abuse: a per-email lockout and per-source-address limits on login and register.

Both are fixed windows counted in the table (one conditional write per check, see
shop.storage.throttles), so every Lambda instance sees the same counts.
"""

from __future__ import annotations

import logging
import os
import time

from .. import config
from ..errors import TooManyRequests
from ..storage import keys
from ..storage.protocol import Attempt, Storage

# The edge's Powertools logger, reached by name so this module does not import the edge.
_log = logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api"))


def mask_email(email: str) -> str:
    """a***@example.com: enough to correlate incidents, not enough to harvest addresses."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _refuse(attempt: Attempt, now: int, message: str) -> TooManyRequests:
    return TooManyRequests(message, retry_after=max(1, attempt.window_ends - now))


def limit_source(store: Storage, action: str, source_ip: str) -> None:
    """At most N `action` requests per source address per window (429 past it)."""
    cfg = config.throttle_settings()
    limit = {"login": cfg.login_ip_limit, "register": cfg.register_ip_limit}[action]
    now = int(time.time())
    attempt = store.throttles.take(keys.address_counter(action, source_ip), limit, cfg.ip_window_seconds, now)
    if not attempt.allowed:
        raise _refuse(attempt, now, "Too many requests from this address")


def start_login(store: Storage, email: str) -> None:
    """Counts the attempt before the password is checked; refuses once the email has
    used up its failures in the window. A successful login clears the count."""
    cfg = config.throttle_settings()
    now = int(time.time())
    attempt = store.throttles.take(keys.login_counter(email), cfg.login_max_failures, cfg.login_lockout_seconds, now)
    if not attempt.allowed:
        _log.warning("login locked", extra={"email": mask_email(email), "failures": attempt.count})
        raise _refuse(attempt, now, "Too many failed logins; try again later")


def login_succeeded(store: Storage, email: str) -> None:
    store.throttles.clear(keys.login_counter(email))
