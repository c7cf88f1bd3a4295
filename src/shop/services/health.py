from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


def check(store: Storage) -> dict[str, Any]:
    store.ping()  # raises ServiceUnavailable when the table cannot be reached
    return {"status": "ok", "checks": {"dynamodb": "ok"}}
