"""Role checks that must not trust the token alone."""

from __future__ import annotations

from ..storage.protocol import Storage
from ..tokens import Caller


def is_admin(store: Storage, caller: Caller) -> bool:
    """An admin claim is re-checked against the table, so a demoted or deleted
    admin's unexpired token stops working for admin actions at once."""
    if not caller.claims_admin:
        return False
    user = store.users.get(caller.user_id)
    return user is not None and user.get("role") == "admin"
