"""Opaque, signed pagination cursors bound to the list they came from.

A cursor is base64url(JSON of the DynamoDB start key) + "." + an HMAC over it and the
list's scope, keyed from JWT_SECRET (JWT_SECRET_PREVIOUS also verifies, during a
rotation). Editing a cursor, or replaying one against another list (another user's
orders, another category), fails the signature check and is a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from . import config
from .errors import InvalidCursor

MAX_CURSOR_CHARS = 1024


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"shop-cursor-v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(scope: str, payload: str, secret: str) -> str:
    return _b64(hmac.new(_key(secret), f"{scope}\n{payload}".encode(), hashlib.sha256).digest())


def _signed_by_a_current_key(scope: str, payload: str, signature: str) -> bool:
    """Signed with JWT_SECRET, or with JWT_SECRET_PREVIOUS during a rotation: a session whose
    token still verifies can go on paging. Both are compared, so the time does not tell which."""
    matches = [hmac.compare_digest(signature, _sign(scope, payload, s)) for s in config.signing_secrets() if s]
    return any(matches)


def encode(start_key: dict[str, str] | None, scope: str) -> str | None:
    if start_key is None:
        return None
    # UTF-8, not \u escapes: a casefolded 50-character category can hold 150 characters, and
    # escaped (up to 18 bytes each) its cursor would pass MAX_CURSOR_CHARS; as UTF-8 at most 6.
    payload = _b64(json.dumps(start_key, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_sign(scope, payload, config.signing_secrets()[0])}"


def decode(cursor: str | None, scope: str, fields: tuple[str, ...]) -> dict[str, str] | None:
    if cursor is None:
        return None
    # Cursors we issue are ASCII; compare_digest refuses non-ASCII str with a TypeError.
    if len(cursor) > MAX_CURSOR_CHARS or not cursor.isascii() or cursor.count(".") != 1:
        raise InvalidCursor()
    payload, signature = cursor.split(".")
    if not _signed_by_a_current_key(scope, payload, signature):
        raise InvalidCursor()
    try:
        key = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        raise InvalidCursor() from None
    if not isinstance(key, dict) or set(key) != set(fields) or not all(isinstance(v, str) for v in key.values()):
        raise InvalidCursor()
    return key
