"""Registration and login."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .. import config, email_addresses, passwords, tokens
from ..clock import now_iso
from ..errors import EmailTaken, InvalidCredentials, InvalidResetToken, NotFound, Unauthorized
from ..storage.failures import AlreadyExists, Missing
from ..storage.protocol import Storage
from ..tokens import Caller
from . import password_reset, throttle


def _public_user(user: dict[str, Any]) -> dict[str, Any]:
    return {"userId": user["userId"], "email": user["email"], "name": user["name"], "role": user["role"]}


def _session(user: dict[str, Any]) -> dict[str, Any]:
    token = tokens.issue(user["userId"], user["email"], user["role"], user.get("sessionVersion", 0))
    return {"token": token, "user": _public_user(user)}


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


def change_password(
    store: Storage, caller: Caller, current_password: str, new_password: str, source_ip: str
) -> dict[str, Any]:
    """The current password is checked as a login checks it: a wrong one is a 401 counted
    towards the same lockout (429 while locked), so this route cannot be used to guess
    around it. The change moves the session version on: every token issued before it stops
    working, and the caller gets a new one."""
    user = store.users.get(caller.user_id)
    if user is None:
        raise Unauthorized("The account no longer exists")
    gate = throttle.open_login(store, user["email"], source_ip)
    if not passwords.verify_password(current_password, user["passwordHash"]):
        throttle.login_failed(store, gate)
        raise InvalidCredentials("The current password is not right")
    throttle.login_succeeded(store, gate)
    try:
        session = store.users.set_password_hash(user["userId"], passwords.hash_password(new_password), now_iso())
    except Missing:
        raise Unauthorized("The account no longer exists") from None
    return _session(user | {"sessionVersion": session})


def confirm_reset(store: Storage, token: str, password: str) -> dict[str, Any]:
    """Set the password of a reset token's account and spend the token, in one transaction
    (services.password_reset issued it); every token issued before, sessions and other reset
    links alike, stops working. Used, expired, void or unknown: 400 INVALID_RESET_TOKEN."""
    digest = password_reset.token_hash(token)
    record = store.resets.get(digest)
    now = int(time.time())
    if record is None or "userId" not in record or record["expiresAt"] <= now:
        raise InvalidResetToken()
    new_hash = passwords.hash_password(password)
    try:
        store.resets.redeem(digest, record["userId"], record["sessionVersion"], new_hash, now_iso(), now)
    except Missing:
        raise InvalidResetToken() from None
    return {"passwordReset": True}


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
