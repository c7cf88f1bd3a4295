"""Counter writes that a resend cannot apply twice (keys.LAST_WRITE): each carries a fresh
token, its condition refuses an item that holds that token already, and a failed condition that
finds it is this very write, applied by an attempt whose answer was lost."""

from __future__ import annotations

import uuid
from typing import Any

from . import keys

# A counter write's condition: its own token not yet on the item (keys.LAST_WRITE).
NOT_MINE = f"(attribute_not_exists({keys.LAST_WRITE}) OR {keys.LAST_WRITE} <> :token)"


def new_token() -> str:
    return str(uuid.uuid4())


def mine(found: dict[str, Any] | None, token: str) -> bool:
    """Whether a counter write's failed condition found its own token: the same request,
    applied by an attempt whose answer was lost and resent by botocore."""
    return found is not None and found.get(keys.LAST_WRITE) == token
