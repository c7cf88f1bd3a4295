"""JWT issue and verification: HS256 only, required claims, key ids for rotation.

PyJWT is imported by issue() and verify() only: the services import Caller from here, and a
function that neither issues nor verifies a token (the payment webhook) never loads it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import config
from .domain.user import User
from .errors import Unauthorized

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]
ROLES = ("customer", "admin")
TIME_CLAIMS = ("exp", "iat", "nbf")
SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str
    role: str
    # The user's session version when the token was issued (claim `sv`; 0 for tokens from
    # before it existed): a password change or reset moves it on, and older tokens stop working.
    session: int = 0
    # Whether the table confirmed the admin claim (services.access), once the edge read the
    # user; None until then.
    confirmed_admin: bool | None = None
    # The account as that read found it (a User: it has no hash), so GET /me answers without
    # reading it again.
    account: User | None = field(default=None, compare=False, repr=False)

    @property
    def claims_admin(self) -> bool:
        return self.role == "admin"


def key_id(secret: str) -> str:
    # Names the key without revealing it: a one-way digest, truncated.
    return hashlib.sha256(b"kid:" + secret.encode()).hexdigest()[:16]


def issue(user_id: str, email: str, role: str, session: int = 0) -> str:
    current, _ = config.signing_secrets()
    cfg = config.settings()
    now = int(time.time())
    claims = {
        "sub": user_id,
        "email": email,
        "role": role,
        "iat": now,
        "exp": now + cfg.jwt_ttl_seconds,
        "iss": cfg.jwt_issuer,
        "aud": cfg.jwt_audience,
        "jti": str(uuid.uuid4()),
        "sv": session,
    }
    import jwt

    return jwt.encode(claims, current, algorithm=ALGORITHM, headers={"kid": key_id(current)})


def _canonical(token: str) -> bool:
    """Three unpadded base64url segments, each the one spelling of its bytes: no `=`, no
    standard-alphabet characters, no set bits after the last byte. base64 decoders forgive
    all three, so one token would otherwise have many accepted spellings."""
    segments = token.split(".")
    if len(segments) != 3 or not all(SEGMENT.fullmatch(segment) for segment in segments):
        return False
    try:
        decoded = [base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)) for segment in segments]
    except (binascii.Error, ValueError):
        return False
    return all(
        base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == seg for raw, seg in zip(decoded, segments, strict=True)
    )


def _times_allowed(claims: dict[str, Any], ttl_seconds: int, now: int) -> bool:
    """JSON integers only (PyJWT also takes "1700000000" and 1.5), and no lifetime past the
    one this service issues: a token minted with a leaked key cannot last until 9999."""
    if not all(type(claims[name]) is int for name in TIME_CLAIMS if name in claims):
        return False
    longest = ttl_seconds + LEEWAY_SECONDS
    return bool(claims["exp"] - claims["iat"] <= longest and claims["exp"] <= now + longest)


def verify(token: str) -> Caller:
    import jwt

    cfg = config.settings()
    keys = {key_id(secret): secret for secret in config.signing_secrets() if secret}
    if not _canonical(token):
        raise Unauthorized("Invalid token")
    try:
        header = jwt.get_unverified_header(token)
        secret = keys.get(str(header.get("kid")))
        if secret is None or header.get("alg") != ALGORITHM:
            raise Unauthorized("Invalid token")
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=cfg.jwt_audience,
            issuer=cfg.jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Token has expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("Invalid token") from None
    if not _times_allowed(claims, cfg.jwt_ttl_seconds, int(time.time())):
        raise Unauthorized("Invalid token")
    user_id, email, role = claims.get("sub"), claims.get("email"), claims.get("role")
    session = claims.get("sv", 0)
    if not isinstance(user_id, str) or not isinstance(email, str) or role not in ROLES:
        raise Unauthorized("Invalid token")
    if type(session) is not int or session < 0:
        raise Unauthorized("Invalid token")
    return Caller(user_id=user_id, email=email, role=role, session=session)
