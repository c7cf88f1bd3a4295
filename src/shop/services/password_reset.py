"""Forgotten passwords: a single-use token mailed to the account's address, valid 30 minutes,
stored only as its SHA-256 (docs/SECURITY.md, "Password reset"). It is spent by
services.auth.confirm_reset, which hashes the new password (this module never loads bcrypt).

A request answers the same, in the same time and with the same DynamoDB calls, whether or
not the email has an account: the per-address counter, the two reads of find_by_email and
one Put of a token record happen every time (a token that mails nobody is a record nobody
can redeem, gone with TTL), and the answer waits until the same minimum time has passed,
which covers the SES call that only a real account makes. The token is random (256 bits),
so one unsalted SHA-256 is enough to make the stored record useless to a reader of the table.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .. import config
from ..clock import now_iso
from ..log import logger
from ..storage import keys
from .throttle import mask_email

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage

TOKEN_TTL_SECONDS = 30 * 60
RESET_PAGE = "/reset-password"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email(name: str, link: str) -> tuple[str, str, str]:
    """(subject, text, html) of the reset email."""
    subject = "Reset your password"
    text = "\n".join(
        [
            f"Hello {name},",
            "",
            "Someone, hopefully you, asked to reset the password of your account.",
            "Open this link within 30 minutes to choose a new one (it works once):",
            "",
            link,
            "",
            "If you did not ask, ignore this email: your password stays as it is.",
        ]
    )
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f"<p>Hello {escape(name)},</p>"
        "<p>Someone, hopefully you, asked to reset the password of your account. "
        "Open this link within 30 minutes to choose a new one (it works once):</p>"
        f'<p><a href="{escape(link)}">Choose a new password</a></p>'
        "<p>If you did not ask, ignore this email: your password stays as it is.</p></body></html>"
    )
    return subject, text, html


def request(store: Storage, mailer: Any, email: str) -> dict[str, Any]:
    """Mail a reset link to `email`'s account, if there is one and it was not mailed too often
    lately. Always answers {"accepted": True}."""
    started = time.monotonic()
    cfg, limits = config.reset_settings(), config.throttle_settings()
    now = int(time.time())
    counted = store.throttles.take(
        keys.reset_email_counter(email), limits.reset_email_limit, limits.reset_email_window_seconds, now
    )
    user = store.users.find_by_email(email)
    token = secrets.token_urlsafe(32)
    mailed = user if user is not None and counted.allowed else None
    record = {
        "userId": mailed.id if mailed else None,
        "sessionVersion": mailed.session_version if mailed else 0,
        "createdAt": now_iso(),
    }
    store.resets.create(token_hash(token), record, now + TOKEN_TTL_SECONDS)
    if mailed is not None:
        link = f"{cfg.storefront_url}{RESET_PAGE}?{urlencode({'token': token})}"
        subject, text, html = _email(mailed.name or "customer", link)
        try:
            mailer.send(mailed.email, subject, text, html, {"X-Shop-Event-Type": "account.password_reset"})
        except Exception as error:  # the answer cannot differ: the failure is logged, by type only
            logger.warning(
                "password reset email not sent", extra={"email": mask_email(email), "errorType": type(error).__name__}
            )
    elif user is not None:
        logger.info("password reset email limit reached", extra={"email": mask_email(email)})  # safe: masked
    left = cfg.min_seconds - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)
    return {"accepted": True}
