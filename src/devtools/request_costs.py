"""Count DynamoDB round trips and items read, with botocore event hooks.

Shared by the cost tests (tests/integration/test_request_costs.py) and the
benchmarks (benchmarks/bench.py): the counts do not depend on machine speed.
"""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    operation: str
    params: dict[str, Any]
    items_read: int


@dataclass
class CallLog:
    calls: list[Call] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        return len(self.calls)

    @property
    def items_read(self) -> int:
        return sum(call.items_read for call in self.calls)

    @property
    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def clear(self) -> None:
        self.calls.clear()


def items_read(operation: str, parsed: dict[str, Any]) -> int:
    """Items DynamoDB read to answer: what a Query read (ScannedCount, before any filter), what a
    GetItem or BatchGetItem found. Writes read nothing the caller sees."""
    if operation == "Query":
        return int(parsed.get("ScannedCount", 0))
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in parsed.get("Responses", {}).values())
    return 0


@contextlib.contextmanager
def counting(client: Any) -> Iterator[CallLog]:
    """Record every DynamoDB call `client` makes inside the block (with its parameters)."""
    log = CallLog()
    unique = f"request-costs-{uuid.uuid4().hex}"
    pending: list[dict[str, Any]] = []

    def before(params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        pending.append(copy.deepcopy(params))

    def after(http_response: Any, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        params = pending.pop() if pending else {}
        log.calls.append(Call(model.name, params, items_read(model.name, parsed)))

    events = client.meta.events
    events.register("provide-client-params.dynamodb", before, unique_id=unique + "-before")
    events.register("after-call.dynamodb", after, unique_id=unique + "-after")
    try:
        yield log
    finally:
        events.unregister("provide-client-params.dynamodb", unique_id=unique + "-before")
        events.unregister("after-call.dynamodb", unique_id=unique + "-after")
