"""The SearchIndex on tantivy (an embedded Rust search library): one directory of segment
files, opened in-process. Queries are built from the user's words as term, fuzzy and prefix
queries, never by tantivy's query parser: what a user types is never syntax.

Matching (../../../docs/SEARCH.md): every word must match the name, the description or the
category; a word of 4 to 7 characters may be one edit away (a typo, a transposition), of 8 or
more two; the last word also matches as a prefix (as-you-type). A match in the name weighs
more than one in the category, which weighs more than one in the description; an exact word
more than a corrected one.

tantivy is imported on first use: only the search functions' layer has it (every module of
the package must import in every function, tests/deploy/lambda_probe.py).
"""

from __future__ import annotations

import functools
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from . import MAX_WORDS, PRICE_RANGES, Found, SearchQuery

if TYPE_CHECKING:
    import tantivy
    from tantivy import Query as _Query  # for casts where a local `tantivy` is the engine
    from tantivy import TextAnalyzer as _TextAnalyzer

ANALYZER = "shop"
# field -> weight of a match in it
WEIGHTS = {"name": 3.0, "category_text": 1.5, "description": 1.0}
EXACT_BONUS = 2.0  # an exact word weighs this many times its field's weight more than a corrected one
WRITER_HEAP = 15_000_000  # bytes; tantivy's floor is 3 MB per thread
CATEGORY_BUCKETS = 1_000  # the most categories a facet lists


MAX_WORD_BYTES = 40


@functools.cache
def engine() -> Any:
    import tantivy

    return tantivy


def _analyzer(longest: int = MAX_WORD_BYTES) -> tantivy.TextAnalyzer:
    tantivy = engine()
    # Words are runs of letters and digits, lowercased and folded to ASCII ("Café" = "cafe");
    # longer than 40 bytes is no word. The same analyzer splits the user's query.
    built = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(longest))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )
    return cast("_TextAnalyzer", built)


@functools.cache
def schema() -> tantivy.Schema:
    builder = engine().SchemaBuilder()
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    for name in WEIGHTS:
        builder.add_text_field(name, tokenizer_name=ANALYZER, index_option="freq")
    builder.add_text_field("category", tokenizer_name="raw", fast=True, index_option="basic")  # counts
    builder.add_text_field("category_key", tokenizer_name="raw", index_option="basic")  # the filter
    builder.add_float_field("price", indexed=True, fast=True)
    builder.add_integer_field("stock", indexed=True, fast=True)
    builder.add_integer_field("created", indexed=True, fast=True)  # epoch microseconds
    builder.add_bytes_field("doc", stored=True)  # the product as given to upsert, JSON
    return cast("tantivy.Schema", builder.build())


@functools.cache
def _query_analyzer(longest: int) -> tantivy.TextAnalyzer:
    return _analyzer(longest)


def words(text: str) -> list[str]:
    """The words of a query, as the index sees them (at most MAX_WORDS)."""
    return _query_analyzer(MAX_WORD_BYTES).analyze(text)[:MAX_WORDS]


def _unmatchable(text: str) -> bool:
    """A query word longer than any indexed word can match nothing (rather than be dropped)."""
    every_word = _query_analyzer(1_000).analyze(text)[:MAX_WORDS]
    return any(len(word.encode()) > MAX_WORD_BYTES for word in every_word)


def distance(word: str) -> int:
    """The edits a word may be away from the one it matches."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def category_key(category: str) -> str:
    return category.casefold()


def _created(product: dict[str, Any]) -> int:
    try:
        stamp = datetime.fromisoformat(str(product.get("createdAt", "")).replace("Z", "+00:00"))
    except ValueError:
        return 0
    return int(stamp.timestamp() * 1_000_000)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):  # a DynamoDB set on the item (countingImages, storage/images.py)
        return sorted(value)
    raise TypeError(type(value).__name__)


def document(product: dict[str, Any]) -> tantivy.Document:
    category = str(product.get("category", ""))
    made = engine().Document(
        id=str(product["id"]),
        name=str(product.get("name", "")),
        description=str(product.get("description", "")),
        category_text=category,
        category=category,
        category_key=category_key(category),
        price=float(product.get("price", 0)),
        stock=int(product.get("stock", 0)),
        created=_created(product),
        doc=json.dumps(product, default=_json_default, separators=(",", ":")).encode(),
    )
    return cast("tantivy.Document", made)


def _word_queries(word: str, last: bool) -> tuple[tantivy.Query, tantivy.Query]:
    """(ranked, matching): the documents one word matches, in any field: the word itself, within
    its edits, or (the last word) as a prefix within its edits. A fuzzy or prefix match scores
    its field's weight (a constant); `ranked` adds the exact word's BM25 score at EXACT_BONUS
    times that. The fuzzy and prefix matches include the exact word, so both match the same
    documents; the facets count with the cheaper `matching`."""
    Query, Occur, SCHEMA = engine().Query, engine().Occur, schema()  # noqa: N806
    edits = distance(word)
    ranked: list[tuple[Any, Any]] = []
    matching: list[tuple[Any, Any]] = []
    for field, weight in WEIGHTS.items():
        exact = Query.term_query(SCHEMA, field, word)
        ranked.append((Occur.Should, Query.boost_query(exact, weight * EXACT_BONUS)))
        if last:
            near = Query.fuzzy_term_query(SCHEMA, field, word, edits, prefix=True)
        elif edits:
            near = Query.fuzzy_term_query(SCHEMA, field, word, edits)
        else:
            matching.append((Occur.Should, exact))  # the exact clause is the whole match
            continue
        ranked.append((Occur.Should, Query.boost_query(near, weight)))
        matching.append((Occur.Should, near))
    return cast("tantivy.Query", Query.boolean_query(ranked)), cast("tantivy.Query", Query.boolean_query(matching))


def build_queries(query: SearchQuery) -> tuple[tantivy.Query, tantivy.Query]:
    """(ranked, matching): every word must match (in some field), and every filter; `matching`
    is the same documents without the ranking clauses (for counting facets)."""
    tantivy = engine()
    Query, Occur, SCHEMA = tantivy.Query, tantivy.Occur, schema()  # noqa: N806
    if _unmatchable(query.text):
        nothing = cast("_Query", Query.empty_query())
        return nothing, nothing
    filters = []
    if query.category is not None:
        filters.append((Occur.Must, Query.term_query(SCHEMA, "category_key", category_key(query.category))))
    if query.min_price is not None or query.max_price is not None:
        low = float(query.min_price) if query.min_price is not None else None
        high = float(query.max_price) if query.max_price is not None else None
        filters.append((Occur.Must, Query.range_query(SCHEMA, "price", tantivy.FieldType.Float, low, high)))
    if query.in_stock:
        filters.append((Occur.Must, Query.range_query(SCHEMA, "stock", tantivy.FieldType.Integer, 1, None)))
    found = words(query.text)
    pairs = [_word_queries(word, i == len(found) - 1) for i, word in enumerate(found)]

    def whole(form: int) -> _Query:
        clauses = [(Occur.Must, pair[form]) for pair in pairs] + filters
        return cast("_Query", Query.boolean_query(clauses) if clauses else Query.all_query())

    return whole(0), whole(1)


def _aggregations() -> dict[str, Any]:
    ranges = [{"from": low, **({"to": high} if high is not None else {})} for low, high in PRICE_RANGES]
    return {
        "categories": {"terms": {"field": "category", "size": CATEGORY_BUCKETS}},
        "prices": {"range": {"field": "price", "ranges": ranges}},
    }


def _categories(buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per category as GET /products?category= sees them (case-insensitive), named
    by its most used spelling."""
    merged: dict[str, dict[str, Any]] = {}
    for bucket in sorted(buckets, key=lambda b: (-int(b["doc_count"]), b["key"])):
        entry = merged.setdefault(category_key(bucket["key"]), {"value": bucket["key"], "count": 0})
        entry["count"] += int(bucket["doc_count"])
    counted = [entry for entry in merged.values() if entry["count"]]
    return sorted(counted, key=lambda c: (-c["count"], c["value"]))


def _price_ranges(buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # tantivy adds a bucket below the first range; an empty index has none at all.
    counts = {b.get("from"): int(b["doc_count"]) for b in buckets}
    return [
        {"min": low, "max": high, "count": counts[float(low)]} for low, high in PRICE_RANGES if counts.get(float(low))
    ]


@functools.cache
def _facet_threads() -> ThreadPoolExecutor:
    # One per core: concurrent searches (the local server's threads) each get theirs.
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="search-facets")


class TantivyIndex:
    """A SearchIndex in `path` (created when missing). One writer per directory at a time:
    the indexer's; readers only open and search."""

    def __init__(self, path: str):
        self.path = path
        os.makedirs(path, exist_ok=True)
        self.index = engine().Index(schema(), path=path, reuse=True)
        self.index.register_tokenizer(ANALYZER, _analyzer())
        self._writer: Any = None

    def _writing(self) -> Any:
        if self._writer is None:
            self._writer = self.index.writer(WRITER_HEAP, 1)
        return self._writer

    def upsert(self, products: list[dict[str, Any]]) -> None:
        writer = self._writing()
        for product in products:
            writer.delete_documents_by_term("id", str(product["id"]))
            writer.add_document(document(product))

    def delete(self, product_ids: list[str]) -> None:
        writer = self._writing()
        for product_id in product_ids:
            writer.delete_documents_by_term("id", str(product_id))

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
        self.index.reload()

    def count(self) -> int:
        return int(self.index.searcher().num_docs)

    def search(self, query: SearchQuery) -> Found:
        tantivy = engine()
        searcher = self.index.searcher()  # one consistent set of segments for the whole request
        built, matching = build_queries(query)
        sort = query.sort if words(query.text) or query.sort != "relevance" else "newest"
        options: dict[str, Any] = {}
        if sort == "newest":
            options = {"order_by_field": "created", "order": tantivy.Order.Desc}
        elif sort in ("price_asc", "price_desc"):
            options = {
                "order_by_field": "price",
                "order": tantivy.Order.Asc if sort == "price_asc" else tantivy.Order.Desc,
            }
        # The facets are counted on another thread while this one ranks the page: tantivy lets go
        # of the GIL in both, so with two cores a request takes the longer of the two, not their sum.
        counting = _facet_threads().submit(searcher.aggregate, matching, _aggregations())
        result = searcher.search(built, limit=query.limit + 1, count=True, offset=query.offset, **options)
        hits = result.hits[: query.limit]
        products = [json.loads(searcher.doc(address).get_first("doc")) for _, address in hits]
        facets = counting.result()
        return Found(
            products=products,
            total=int(result.count or 0),
            categories=_categories(facets["categories"]["buckets"]),
            price_ranges=_price_ranges(facets["prices"]["buckets"]),
            more=len(result.hits) > query.limit,
        )

    def categories(self) -> list[dict[str, Any]]:
        searcher = self.index.searcher()
        facets = searcher.aggregate(engine().Query.all_query(), {"categories": _aggregations()["categories"]})
        return _categories(facets["categories"]["buckets"])
