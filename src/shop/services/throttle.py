"""Login abuse: failed logins counted per email and source address (a low limit) and per
email from everywhere (a much higher one, that addresses with a recent successful login
for the email are exempt from), and per-source-address limits on login and register.

All are fixed windows counted in the table (one conditional write per counter, see
shop.storage.throttles), so every Lambda instance sees the same counts. The design and
its reasons are in docs/SECURITY.md ("Login abuse").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import config
from ..errors import TooManyRequests
from ..log import logger
from ..storage import keys
from ..storage.records import Attempt, FailureCount

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def mask_email(email: str) -> str:
    """a***@example.com: enough to correlate incidents, not enough to harvest addresses.
    The domain follows the last @ (a quoted local part may hold one, as email.normalize reads it)."""
    local, at, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def _refuse(attempt: Attempt, now: int, message: str) -> TooManyRequests:
    return TooManyRequests(message, retry_after=max(1, attempt.window_ends - now))


def limit_source(store: Storage, action: str, source_ip: str) -> None:
    """At most N `action` requests per source address per window (429 past it)."""
    cfg = config.throttle_settings()
    limit = {"login": cfg.login_ip_limit, "register": cfg.register_ip_limit, "password-reset": cfg.reset_ip_limit}[
        action
    ]
    now = int(time.time())
    attempt = store.throttles.take(keys.address_counter(action, source_ip), limit, cfg.ip_window_seconds, now)
    if not attempt.allowed:
        raise _refuse(attempt, now, "Too many requests from this address")


@dataclass(frozen=True)
class LoginGate:
    """A login let through to the password check: the counters it will be counted on."""

    email: str
    source: str  # the failures of this email from this address (and its trust mark)
    everywhere: str  # the failures of this email from every address
    trusted: bool  # a login for this email succeeded from this address lately


def _locked(count: FailureCount, limit: int, now: int) -> bool:
    return count.failures >= limit and count.window_ends > now


def _locked_out(email: str, scope: str, window_ends: int, now: int) -> TooManyRequests:
    logger.warning("login locked", extra={"email": mask_email(email), "scope": scope})
    return TooManyRequests("Too many failed logins; try again later", retry_after=max(1, window_ends - now))


def open_login(store: Storage, email: str, source_ip: str) -> LoginGate:
    """Refuses (429) while this email is locked for this address: its own failures from
    here, or the email's failures from everywhere unless a login succeeded from here lately.
    One consistent read of both counters; nothing is counted before the password check."""
    cfg = config.throttle_settings()
    now = int(time.time())
    gate = LoginGate(email, keys.login_source_counter(email, source_ip), keys.login_counter(email), False)
    counts = store.throttles.read_failures([gate.source, gate.everywhere])
    source, everywhere = counts[gate.source], counts[gate.everywhere]
    if _locked(source, cfg.login_max_failures, now):
        raise _locked_out(email, "address", source.window_ends, now)
    trusted = source.trusted_until > now
    if not trusted and _locked(everywhere, cfg.login_email_max_failures, now):
        raise _locked_out(email, "email", everywhere.window_ends, now)
    return LoginGate(gate.email, gate.source, gate.everywhere, trusted)


def login_failed(store: Storage, gate: LoginGate) -> None:
    """Counts a wrong password (after the check, one conditional write per counter). A guess
    that was in flight while others used up this address's budget is not counted and gets
    the 429 the next one would get, so parallel guesses learn no more than serial ones."""
    cfg = config.throttle_settings()
    now = int(time.time())
    source = store.throttles.count_failure(gate.source, cfg.login_max_failures, cfg.login_lockout_seconds, now)
    if not source.allowed:
        raise _locked_out(gate.email, "address", source.window_ends, now)
    # At the email's limit the increment is refused: the lock is on already, nothing to add.
    store.throttles.count_failure(gate.everywhere, cfg.login_email_max_failures, cfg.login_lockout_seconds, now)


def login_succeeded(store: Storage, gate: LoginGate) -> None:
    """Clears this address's failures and marks it trusted for this email, in one conditional
    write that is refused if the address reached its limit while the password was checked."""
    cfg = config.throttle_settings()
    now = int(time.time())
    granted = store.throttles.record_success(gate.source, cfg.login_max_failures, now + cfg.login_trust_seconds, now)
    if not granted.allowed:
        raise _locked_out(gate.email, "address", granted.window_ends, now)
