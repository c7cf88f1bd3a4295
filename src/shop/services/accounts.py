"""The signed-in user's own account: what it holds, and its name. (Its password is changed
in services.auth, which hashes; this module does not load bcrypt.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..clock import now_iso
from ..domain.user import User
from ..errors import Unauthorized
from ..storage.failures import Missing
from ..tokens import Caller

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def gone() -> Unauthorized:
    """A valid token of an account that no longer exists: signed out, like a revoked token."""
    return Unauthorized("The account no longer exists")


def me(store: Storage, caller: Caller) -> User:
    """As the edge read it for this request's session check, else read now."""
    user = caller.account if caller.account is not None else store.users.get(caller.user_id)
    if user is None:
        raise gone()
    return user


def rename(store: Storage, caller: Caller, name: str) -> User:
    try:
        return store.users.set_name(caller.user_id, name, now_iso())
    except Missing:
        raise gone() from None
