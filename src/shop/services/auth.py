"""Registration and login."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .. import config, email_addresses, passwords, tokens
from ..clock import now_iso
from ..domain.user import Credentials, Session, User
from ..errors import EmailTaken, InvalidCredentials, InvalidResetToken, NotFound, Unauthorized
from ..storage.failures import AlreadyExists, Missing
from ..tokens import Caller
from . import password_reset, throttle

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def _session(user: User) -> Session:
    return Session(tokens.issue(user.id, user.email, user.role, user.session_version), user)


def register(store: Storage, email: str, password: str, name: str) -> Session:
    # The signing secret first (on a cold start, from SSM): an SSM outage is a 503 that wrote
    # nothing, so the client's retry registers; after the write, issuing the token cannot fail.
    config.signing_secrets()
    now = now_iso()
    user = User(str(uuid.uuid4()), email, name, "customer", created_at=now, updated_at=now)
    try:
        store.users.create(Credentials(user, passwords.hash_password(password)))
    except AlreadyExists:
        raise EmailTaken() from None
    return _session(user)


def login(store: Storage, email: str, password: str, source_ip: str) -> Session:
    gate = throttle.open_login(store, email, source_ip)  # 429 while locked; counts nothing
    # find_by_email reads as much for an unknown email as for a known one, and
    # verify_password hashes against a dummy when the user is unknown, so both failures
    # cost the same reads and bcrypt work and give the same answer.
    found = store.users.credentials(email)
    password_ok = passwords.verify_password(password, found.password_hash if found else None)
    if found is None or not password_ok:
        throttle.login_failed(store, gate)  # counted only now, after the check
        raise InvalidCredentials()
    throttle.login_succeeded(store, gate)
    return _session(found.user)


def change_password(
    store: Storage, caller: Caller, current_password: str, new_password: str, source_ip: str
) -> Session:
    """The current password is checked as a login checks it: a wrong one is a 401 counted
    towards the same lockout (429 while locked), so this route cannot be used to guess
    around it. The change moves the session version on: every token issued before it stops
    working, and the caller gets a new one."""
    found = store.users.credentials_of(caller.user_id)
    if found is None:
        raise Unauthorized("The account no longer exists")
    user = found.user
    gate = throttle.open_login(store, user.email, source_ip)
    if not passwords.verify_password(current_password, found.password_hash):
        throttle.login_failed(store, gate)
        raise InvalidCredentials("The current password is not right")
    throttle.login_succeeded(store, gate)
    try:
        session = store.users.set_password_hash(user.id, passwords.hash_password(new_password), now_iso())
    except Missing:
        raise Unauthorized("The account no longer exists") from None
    return _session(replace(user, session_version=session))


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


def promote_to_admin(store: Storage, email: str) -> User:
    user = store.users.find_by_email(email_addresses.normalize_for_lookup(email))
    if user is None:
        raise NotFound(f"No user registered with {email}")
    try:
        store.users.set_role(user.id, "admin")
    except Missing:  # deleted between the two calls
        raise NotFound(f"No user registered with {email}") from None
    return replace(user, role="admin")


def set_password(store: Storage, email: str, password: str) -> User:
    """A new password for a registered user (the local server's seeded admin; an operator's tool)."""
    user = store.users.find_by_email(email_addresses.normalize_for_lookup(email))
    if user is None:
        raise NotFound(f"No user registered with {email}")
    try:
        store.users.set_password_hash(user.id, passwords.hash_password(password), now_iso())
    except Missing:
        raise NotFound(f"No user registered with {email}") from None
    return user
