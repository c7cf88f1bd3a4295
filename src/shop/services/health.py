from __future__ import annotations

from typing import Any

from ..repository import Repository


def check(repo: Repository) -> dict[str, Any]:
    repo.ping()  # raises ServiceUnavailable when the table cannot be reached
    return {"status": "ok", "checks": {"dynamodb": "ok"}}
