"""bcrypt hashing. Cost comes from BCRYPT_ROUNDS (12 on AWS; lower only for local runs and tests)."""

from __future__ import annotations

import functools

import bcrypt

from . import config


def hash_password(password: str) -> str:
    salt = bcrypt.gensalt(rounds=config.settings().bcrypt_rounds)
    return bcrypt.hashpw(password.encode(), salt).decode()


@functools.cache
def _dummy_hash() -> bytes:
    # Hashed once per process at the configured cost, so an unknown email costs
    # the same bcrypt work as a wrong password.
    return hash_password("dummy-password-for-timing").encode()


def verify_password(password: str, password_hash: str | None) -> bool:
    candidate = password.encode()
    if len(candidate) > 72:
        candidate = candidate[:72]  # never matches: registration refuses longer passwords
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    if password_hash is None:
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    return bcrypt.checkpw(candidate, password_hash.encode())
