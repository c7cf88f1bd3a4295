from __future__ import annotations

from typing import Any

from ..storage.protocol import Storage


def check(store: Storage) -> dict[str, Any]:
    store.ping()  # raises ServiceUnavailable when the table cannot be reached
    return {"status": "ok", "checks": {"dynamodb": "ok"}}
