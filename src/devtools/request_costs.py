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

# What DynamoDB bills as reads (RCU/RRU) and as writes (WCU/WRU); a TransactWriteItems'
# condition checks are billed as writes too.
READS = frozenset({"GetItem", "Query", "BatchGetItem", "TransactGetItems"})  # no Scan: the code has none
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@dataclass
class Call:
    operation: str
    params: dict[str, Any]
    items_read: int
    capacity: float = 0.0  # units consumed, when counting(..., capacity=True) asked for them


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

    @property
    def read_units(self) -> float:
        return sum(call.capacity for call in self.calls if call.operation in READS)

    @property
    def write_units(self) -> float:
        return sum(call.capacity for call in self.calls if call.operation in WRITES)

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


def consumed(parsed: dict[str, Any]) -> float:
    """Capacity units an answer says it consumed (ReturnConsumedCapacity=TOTAL): one entry, or
    one per table for the batch and transaction operations."""
    entries = parsed.get("ConsumedCapacity") or []
    if isinstance(entries, dict):
        entries = [entries]
    return float(sum(entry.get("CapacityUnits", 0) for entry in entries))


@contextlib.contextmanager
def counting(client: Any, capacity: bool = False) -> Iterator[CallLog]:
    """Record every DynamoDB call `client` makes inside the block (with its parameters); with
    `capacity`, each call also asks for ReturnConsumedCapacity=TOTAL and records what it consumed.
    Only DynamoDB (or DynamoDB Local) computes those units; moto's are not DynamoDB's."""
    log = CallLog()
    unique = f"request-costs-{uuid.uuid4().hex}"
    pending: list[dict[str, Any]] = []

    def before(params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        pending.append(copy.deepcopy(params))
        if capacity and model.name in READS | WRITES:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def after(http_response: Any, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        params = pending.pop() if pending else {}
        log.calls.append(Call(model.name, params, items_read(model.name, parsed), consumed(parsed)))

    events = client.meta.events
    events.register("provide-client-params.dynamodb", before, unique_id=unique + "-before")
    events.register("after-call.dynamodb", after, unique_id=unique + "-after")
    try:
        yield log
    finally:
        events.unregister("provide-client-params.dynamodb", unique_id=unique + "-before")
        events.unregister("after-call.dynamodb", unique_id=unique + "-after")
