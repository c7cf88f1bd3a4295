"""Index products

Invoked by the table's stream (only product items pass its filter): each batch of product
changes is applied to the search index in order and published as its next snapshot
(docs/SEARCH.md). A batch that could not be published is reported as failed from its
first record, and Lambda retries it; applying a batch again is harmless.

`{"rebuild": true}` (a one-off invocation, docs/SEARCH.md) rebuilds the index from the table.
"""

from __future__ import annotations

from typing import Any

from ..batch_metrics import reports_failed_records
from ..services import search_indexing

# Its row in the generated routes tables (devtools.routes): it has no HTTP route of its own.
TRIGGER = "no route: the table's stream, product items (docs/SEARCH.md)"
WHO = "nobody: applies product changes to the search index"


@reports_failed_records
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return search_indexing.invoked(event)
