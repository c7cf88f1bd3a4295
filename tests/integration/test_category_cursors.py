"""Every category a product may have (1 to 50 characters of any script, docs/API.md) pages
to its end: the cursor of its list stays within the length a cursor may have
(cursors.MAX_CURSOR_CHARS), so the next page is never a 400 INVALID_CURSOR. The partition
is in the cursor, and a category is kept casefolded there, where one character can become
three (U+1FF7 "ῷ" is "ῶι")."""

from __future__ import annotations

import pytest

from tests.apigw import invoke


@pytest.mark.parametrize(
    "category",
    ["\u1ff7" * 50, "\U0001d504" * 50, "a" * 50],
    ids=["casefolds-to-three-chars", "outside-the-bmp", "ascii"],
)
def test_a_category_of_50_characters_pages_to_its_end(table, product, category):
    made = [product(category=category)["id"] for _ in range(3)]

    seen, cursor = [], None
    for _ in range(len(made)):
        query = {"category": category, "limit": "1", **({"cursor": cursor} if cursor else {})}
        page = invoke("GET", "/products", query=query)
        assert page.status == 200, page.body
        seen += [item["id"] for item in page.data]
        cursor = page.json["pagination"]["nextCursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(made) and cursor is None
