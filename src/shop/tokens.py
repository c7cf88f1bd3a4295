"""JWT issue and verification: HS256 only, required claims, key ids for rotation."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass

import jwt

from . import config
from .errors import Unauthorized

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]
ROLES = ("customer", "admin")


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str
    role: str

    @property
    def claims_admin(self) -> bool:
        return self.role == "admin"


def key_id(secret: str) -> str:
    # Names the key without revealing it: a one-way digest, truncated.
    return hashlib.sha256(b"kid:" + secret.encode()).hexdigest()[:16]


def issue(user_id: str, email: str, role: str) -> str:
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
    }
    return jwt.encode(claims, current, algorithm=ALGORITHM, headers={"kid": key_id(current)})


def verify(token: str) -> Caller:
    cfg = config.settings()
    keys = {key_id(secret): secret for secret in config.signing_secrets() if secret}
    try:
        header = jwt.get_unverified_header(token)
        secret = keys.get(header.get("kid"))
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
    user_id, email, role = claims.get("sub"), claims.get("email"), claims.get("role")
    if not isinstance(user_id, str) or not isinstance(email, str) or role not in ROLES:
        raise Unauthorized("Invalid token")
    return Caller(user_id=user_id, email=email, role=role)
