"""Product search and the category list, answered by the search index (docs/SEARCH.md).

A result is paged by offset, carried in a signed cursor bound to the query (its words,
filters and sort): a cursor replayed on another query is a 400, like any other list's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .. import cursors
from ..domain.product import Product
from ..errors import InvalidCursor
from ..log import logger
from ..search import MAX_OFFSET, SearchIndex, SearchQuery
from .images import shown


@dataclass(frozen=True)
class SearchPage:
    """A page of a search: its products, the cursor of the next, and over the whole result
    the facets and the total."""

    items: list[Product]
    next_cursor: str | None
    facets: dict[str, Any]
    total: int


def _readable(document: dict[str, Any]) -> Product | None:
    """A search document as a product; one that is not (an item the stream carried in a shape
    no product has) is logged and left out, as a list leaves out a malformed item."""
    try:
        return Product.from_item(document)
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        logger.warning(
            "malformed search document", extra={"itemId": str(document.get("id")), "errorType": type(error).__name__}
        )
        return None


def _scope(params: dict[str, Any]) -> str:
    named = {k: str(params[k]) for k in ("q", "category", "minPrice", "maxPrice", "inStock", "sort") if k in params}
    return "search\n" + json.dumps(named, sort_keys=True, ensure_ascii=False)


def _offset(cursor: str | None, scope: str) -> int:
    key = cursors.decode(cursor, scope, ("offset",))
    if key is None:
        return 0
    if not key["offset"].isdigit() or not 0 < int(key["offset"]) <= MAX_OFFSET:
        raise InvalidCursor()
    return int(key["offset"])


def search(index: SearchIndex, params: dict[str, Any]) -> SearchPage:
    """`params`: the validated query string (schemas.search.SearchQuerySchema)."""
    scope = _scope(params)
    offset, limit = _offset(params.get("cursor"), scope), params["limit"]
    found = index.search(
        SearchQuery(
            text=params["q"],
            category=params.get("category"),
            min_price=params.get("minPrice"),
            max_price=params.get("maxPrice"),
            in_stock=params["inStock"],
            sort=params["sort"],
            limit=limit,
            offset=offset,
        )
    )
    following = offset + limit
    next_cursor = cursors.encode({"offset": str(following)}, scope) if found.more and following < MAX_OFFSET else None
    return SearchPage(
        [shown(product) for product in map(_readable, found.products) if product is not None],
        next_cursor,
        {"categories": found.categories, "priceRanges": found.price_ranges},
        found.total,
    )


def categories(index: SearchIndex) -> list[dict[str, Any]]:
    return index.categories()
