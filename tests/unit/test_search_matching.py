"""The matching rules of product search (docs/SEARCH.md), on a tantivy index built from
fixtures: typos by word length, the last word as a prefix, ranking, sorts, filters, facets
over the whole result, and user text that is never query syntax."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.search import SearchQuery
from shop.search.tantivy_index import TantivyIndex, distance, words

FIELDS = ("id", "name", "description", "category", "price", "stock", "createdAt")
ROWS = [
    ("lamp", "Desk Lamp", "A bright light", "Home", "12.50", 3, "2026-01-01T00:00:00Z"),
    ("shade", "Paper shade", "Fits any desk lamp", "Home", "5", 0, "2026-01-02T00:00:00Z"),
    ("keyboard", "Mechanical keyboard", "Clicky switches", "Electronics", "80", 7, "2026-01-03T00:00:00Z"),
    ("cable", "USB cable", "For a keyboard or a mouse", "electronics", "9.99", 100, "2026-01-04T00:00:00Z"),
    ("novel", "Caf\u00e9 stories", "A novel", "Books", "24.99", 2, "2026-01-05T00:00:00Z"),
    ("atlas", "World atlas", "Maps of every country", "Books", "600", 1, "2026-01-06T00:00:00Z"),
]
PRODUCTS = [{**dict(zip(FIELDS, row, strict=True)), "price": Decimal(row[4])} for row in ROWS]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    built = TantivyIndex(str(tmp_path_factory.mktemp("search")))
    built.upsert(PRODUCTS)
    built.commit()
    return built


def ids(index, **query) -> list[str]:
    return [p["id"] for p in index.search(SearchQuery(**query)).products]


def test_edit_distance_grows_with_word_length():
    assert [distance(w) for w in ("usb", "lamp", "keyboar", "keyboard")] == [0, 1, 1, 2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lmap desk", ["lamp", "shade"]),  # 4 letters, one transposition
        ("desk lanp", ["lamp", "shade"]),  # one substitution; the last word is also a prefix
        ("keybaord", ["keyboard", "cable"]),  # 8 letters: two edits
        ("mechanicel", ["keyboard"]),
        ("kyboard", ["keyboard", "cable"]),  # 7 letters, one deletion
    ],
)
def test_typos_within_the_words_allowance_match(index, text, expected):
    assert sorted(ids(index, text=text)) == sorted(expected)


def test_typos_beyond_the_allowance_do_not_match(index):
    assert ids(index, text="usc cable") == []  # 3 letters: no edit allowed ("usc" is no prefix of "usb")
    assert ids(index, text="lxmx") == []  # 4 letters, two edits
    assert ids(index, text="kxybxxrd") == []  # 8 letters, three edits (not even as a prefix)


def test_only_the_last_word_matches_as_a_prefix(index):
    assert ids(index, text="mecha") == ["keyboard"]
    assert ids(index, text="mecha keyboard") == []  # "mecha" is not the last word
    assert ids(index, text="keyboard mecha") == ["keyboard"]


def test_words_match_the_name_the_description_and_the_category(index):
    assert sorted(ids(index, text="maps")) == ["atlas"]  # description only
    assert sorted(ids(index, text="books")) == ["atlas", "novel"]  # category only
    assert ids(index, text="cafe") == ["novel"]  # accents fold: "Café"


def test_every_word_must_match(index):
    assert ids(index, text="desk cable") == []


def test_a_name_match_ranks_above_a_description_match(index):
    assert ids(index, text="keyboard") == ["keyboard", "cable"]
    assert ids(index, text="lamp") == ["lamp", "shade"]


def test_an_exact_word_ranks_above_a_corrected_one(index):
    assert ids(index, text="desk")[0] == "lamp"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["shade", "cable", "lamp", "novel", "keyboard", "atlas"]),
        ("price_desc", ["atlas", "keyboard", "novel", "lamp", "cable", "shade"]),
        ("newest", ["atlas", "novel", "cable", "keyboard", "shade", "lamp"]),
        ("relevance", ["atlas", "novel", "cable", "keyboard", "shade", "lamp"]),  # no words: newest
    ],
)
def test_sorts(index, sort, expected):
    assert ids(index, sort=sort) == expected


def test_filters(index):
    assert sorted(ids(index, category="ELECTRONICS")) == ["cable", "keyboard"]  # case-insensitive
    assert sorted(ids(index, min_price=Decimal("9.99"), max_price=Decimal("24.99"))) == ["cable", "lamp", "novel"]
    assert "shade" not in ids(index, in_stock=True)
    assert ids(index, text="lamp", in_stock=True) == ["lamp"]
    assert ids(index, category="Toys") == []


def test_facets_and_total_count_the_whole_result_not_the_page(index):
    found = index.search(SearchQuery(limit=1))
    assert len(found.products) == 1 and found.more and found.total == 6
    assert found.categories == [
        {"value": "Books", "count": 2},
        {"value": "Electronics", "count": 2},  # "electronics" is the same category
        {"value": "Home", "count": 2},
    ]
    assert found.price_ranges == [
        {"min": 0, "max": 10, "count": 2},
        {"min": 10, "max": 25, "count": 2},
        {"min": 50, "max": 100, "count": 1},
        {"min": 500, "max": None, "count": 1},
    ]


def test_facets_follow_the_words_and_filters(index):
    found = index.search(SearchQuery(text="keyboard", limit=1))
    assert found.total == 2
    assert found.categories == [{"value": "Electronics", "count": 2}]


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(text="lmap desk"),  # a corrected word, then the last as a prefix
        SearchQuery(text="usb keyboard"),  # a short word (no edits) before a long one
        SearchQuery(text="keybaord"),  # two edits
        SearchQuery(text="de"),  # a short prefix
        SearchQuery(text="a lamp", in_stock=True),
        SearchQuery(text="ma", category="books", max_price=Decimal("1000")),
    ],
)
def test_facets_count_exactly_the_documents_the_ranked_search_finds(index, query):
    # The facets are counted with the unscored form of the query (no exact-word clauses).
    found = index.search(query)
    every = index.search(SearchQuery(**{**vars(query), "limit": 100}))
    by_category: dict[str, int] = {}
    for product in every.products:
        key = product["category"].casefold()
        by_category[key] = by_category.get(key, 0) + 1
    assert found.total == len(every.products) > 0
    assert {c["value"].casefold(): c["count"] for c in found.categories} == by_category
    assert sum(r["count"] for r in found.price_ranges) == found.total


def test_pages_by_offset_cover_the_result_once(index):
    first = index.search(SearchQuery(sort="price_asc", limit=4))
    second = index.search(SearchQuery(sort="price_asc", limit=4, offset=4))
    assert first.more and not second.more
    assert [p["id"] for p in first.products + second.products] == ids(index, sort="price_asc")


@pytest.mark.parametrize(
    "text", ['desk AND "lamp', "lamp)", "name:lamp", "*", "la?p", "lamp~2", "-lamp", "[a TO z]", "\\", "\x00"]
)
def test_query_syntax_is_only_text(index, text):
    # Parsed as syntax, these would fail or mean something else; as text they are words or nothing.
    result = index.search(SearchQuery(text=text))
    assert result.total == len(result.products)


def test_punctuation_only_is_no_words(index):
    assert words("!!! ??? *") == []


def test_upsert_replaces_and_delete_removes(tmp_path):
    index = TantivyIndex(str(tmp_path))
    index.upsert(PRODUCTS[:2])
    index.commit()
    index.upsert([{**PRODUCTS[0], "name": "Floor lamp"}])
    index.upsert([{**PRODUCTS[0], "name": "Floor lamp"}])  # twice: still one
    index.delete(["shade", "never-there"])
    index.commit()
    assert index.count() == 1
    assert [p["name"] for p in index.search(SearchQuery(text="floor")).products] == ["Floor lamp"]
    assert index.categories() == [{"value": "Home", "count": 1}]


def test_a_product_item_with_a_string_set_is_indexed_and_found(tmp_path):
    """A product with images carries `countingImages`, a DynamoDB string set (storage/images.py):
    the stream's image of it is indexed like any other product."""
    built = TantivyIndex(str(tmp_path))
    built.upsert([{**PRODUCTS[0], "countingImages": {"i-2", "i-1"}}])
    built.commit()
    found = built.search(SearchQuery(text="lamp")).products
    assert [p["id"] for p in found] == ["lamp"]
    assert found[0]["countingImages"] == ["i-1", "i-2"]  # kept in the index; present() leaves it out of answers
