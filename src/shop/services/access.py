"""Checks that must not trust the token alone: that its session is still the account's
current one, and an admin claim."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import Unauthorized
from ..tokens import Caller

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def current(store: Storage, caller: Caller) -> Caller:
    """The caller as the table sees it, one consistent GetItem of the user per authenticated
    request (docs/SECURITY.md, "Sessions after a password change"): a token of a deleted
    account, or issued before the account's password last changed (its session version is
    older), is a 401. The admin claim is confirmed in the same read."""
    user = store.users.get(caller.user_id)
    if user is None:
        raise Unauthorized("The account no longer exists")
    if user.session_version != caller.session:
        raise Unauthorized("The password changed since this token was issued; sign in again")
    return replace(caller, confirmed_admin=caller.claims_admin and user.role == "admin", account=user)


def is_admin(store: Storage, caller: Caller) -> bool:
    """An admin claim is re-checked against the table, so a demoted or deleted admin's
    unexpired token stops working for admin actions at once (by the edge's read when it
    made the request's Caller, else by a read here)."""
    if caller.confirmed_admin is not None:
        return caller.confirmed_admin
    if not caller.claims_admin:
        return False
    user = store.users.get(caller.user_id)
    return user is not None and user.role == "admin"
