"""Login abuse: a per-email lockout and per-source-address limits on login and register.

Both are fixed windows counted in the table (one conditional write per check, see
DynamoRepository.take_attempt), so every Lambda instance sees the same counts.
"""

from __future__ import annotations

import logging
import os
import time

from .. import config
from ..errors import TooManyRequests
from ..repository import Attempt, Repository

# The edge's Powertools logger, reached by name so this module does not import the edge.
_log = logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api"))


def mask_email(email: str) -> str:
    """a***@example.com: enough to correlate incidents, not enough to harvest addresses."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _refuse(attempt: Attempt, now: int, message: str) -> TooManyRequests:
    return TooManyRequests(message, retry_after=max(1, attempt.window_ends - now))


def limit_source(repo: Repository, action: str, source_ip: str) -> None:
    """At most N `action` requests per source address per window (429 past it)."""
    cfg = config.throttle_settings()
    limit = {"login": cfg.login_ip_limit, "register": cfg.register_ip_limit}[action]
    now = int(time.time())
    attempt = repo.take_attempt(f"ip#{action}#{source_ip}", limit, cfg.ip_window_seconds, now)
    if not attempt.allowed:
        raise _refuse(attempt, now, "Too many requests from this address")


def start_login(repo: Repository, email: str) -> None:
    """Counts the attempt before the password is checked; refuses once the email has
    used up its failures in the window. A successful login clears the count."""
    cfg = config.throttle_settings()
    now = int(time.time())
    attempt = repo.take_attempt(_login_counter(email), cfg.login_max_failures, cfg.login_lockout_seconds, now)
    if not attempt.allowed:
        _log.warning("login locked", extra={"email": mask_email(email), "failures": attempt.count})
        raise _refuse(attempt, now, "Too many failed logins; try again later")


def login_succeeded(repo: Repository, email: str) -> None:
    repo.clear_attempts(_login_counter(email))


def _login_counter(email: str) -> str:
    return "login#" + email
