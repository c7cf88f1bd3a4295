"""Product search: what the services ask of a search index (`SearchIndex`), whatever engine
answers it. The one implementation is an embedded tantivy index (`tantivy_index.py`), fed by
the table's stream and shipped to the readers as versioned snapshots (`snapshots.py`);
docs/SEARCH.md says how, and what an OpenSearch implementation would need.

Nothing here imports tantivy: the handlers that do not search never load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

SORTS = ("relevance", "price_asc", "price_desc", "newest")
# The price facet's buckets: [min, max) in the catalogue's currency; None is unbounded.
PRICE_RANGES: tuple[tuple[int, int | None], ...] = (
    (0, 10),
    (10, 25),
    (25, 50),
    (50, 100),
    (100, 250),
    (250, 500),
    (500, None),
)
MAX_QUERY_CHARS = 200
MAX_WORDS = 10  # words of a query past this are ignored: each is a few automata over the index
MAX_OFFSET = 10_000  # how deep a result can be paged (as OpenSearch's max_result_window)


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class Found:
    """One page of a result: the products (as stored by `upsert`), the facet counts and the
    total over the whole result, and whether there is more after this page."""

    products: list[dict[str, Any]]
    total: int
    categories: list[dict[str, Any]] = field(default_factory=list)
    price_ranges: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False


class SearchIndex(Protocol):
    def upsert(self, products: list[dict[str, Any]]) -> None:
        """Add or replace products (by `id`); visible after `commit`."""

    def delete(self, product_ids: list[str]) -> None:
        """Remove products by id (an unknown id is no error); visible after `commit`."""

    def commit(self) -> None: ...

    def search(self, query: SearchQuery) -> Found: ...

    def categories(self) -> list[dict[str, Any]]:
        """Every category with its product count: [{value, count}], most products first."""

    def count(self) -> int: ...
