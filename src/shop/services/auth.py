"""Registration and login."""

from __future__ import annotations

import uuid
from typing import Any

from .. import config, email_addresses, passwords, tokens
from ..clock import now_iso
from ..errors import EmailTaken, InvalidCredentials, NotFound
from ..storage.failures import AlreadyExists, Missing
from ..storage.protocol import Storage
from . import throttle


def _public_user(user: dict[str, Any]) -> dict[str, Any]:
    return {"userId": user["userId"], "email": user["email"], "name": user["name"], "role": user["role"]}


def _session(user: dict[str, Any]) -> dict[str, Any]:
    return {"token": tokens.issue(user["userId"], user["email"], user["role"]), "user": _public_user(user)}


def register(store: Storage, email: str, password: str, name: str) -> dict[str, Any]:
    # The signing secret first (on a cold start, from SSM): an SSM outage is a 503 that wrote
    # nothing, so the client's retry registers; after the write, issuing the token cannot fail.
    config.signing_secrets()
    now = now_iso()
    user = {
        "userId": str(uuid.uuid4()),
        "email": email,
        "name": name,
        "role": "customer",
        "passwordHash": passwords.hash_password(password),
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        store.users.create(user)
    except AlreadyExists:
        raise EmailTaken() from None
    return _session(user)


def login(store: Storage, email: str, password: str, source_ip: str) -> dict[str, Any]:
    gate = throttle.open_login(store, email, source_ip)  # 429 while locked; counts nothing
    # find_by_email reads as much for an unknown email as for a known one, and
    # verify_password hashes against a dummy when the user is unknown, so both failures
    # cost the same reads and bcrypt work and give the same answer.
    user = store.users.find_by_email(email)
    password_ok = passwords.verify_password(password, user["passwordHash"] if user else None)
    if user is None or not password_ok:
        throttle.login_failed(store, gate)  # counted only now, after the check
        raise InvalidCredentials()
    throttle.login_succeeded(store, gate)
    return _session(user)


def promote_to_admin(store: Storage, email: str) -> dict[str, Any]:
    user = store.users.find_by_email(email_addresses.normalize_for_lookup(email))
    if user is None:
        raise NotFound(f"No user registered with {email}")
    try:
        store.users.set_role(user["userId"], "admin")
    except Missing:  # deleted between the two calls
        raise NotFound(f"No user registered with {email}") from None
    return _public_user(user | {"role": "admin"})


def set_password(store: Storage, email: str, password: str) -> dict[str, Any]:
    """A new password for a registered user (the local server's seeded admin; an operator's tool)."""
    user = store.users.find_by_email(email_addresses.normalize_for_lookup(email))
    if user is None:
        raise NotFound(f"No user registered with {email}")
    try:
        store.users.set_password_hash(user["userId"], passwords.hash_password(password), now_iso())
    except Missing:
        raise NotFound(f"No user registered with {email}") from None
    return _public_user(user)
