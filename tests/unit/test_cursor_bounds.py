"""The cursor length bound: a cursor of exactly MAX_CURSOR_CHARS is one we may have issued."""

from __future__ import annotations

import pytest

from shop import cursors
from shop.errors import InvalidCursor

FIELDS = ("createdAt", "id")


def cursor_of_length(length: int, scope: str = "products") -> tuple[str, dict[str, str]]:
    """A genuinely signed cursor of `length` characters, or a failure if none exists."""
    for padding in range(2000):
        key = {"createdAt": "2026-01-01T00:00:00.000Z", "id": "x" * padding}
        cursor = cursors.encode(key, scope)
        if len(cursor) == length:
            return cursor, key
        if len(cursor) > length:
            break
    raise AssertionError(f"no cursor of {length} characters")


def test_a_cursor_of_exactly_the_maximum_length_is_accepted():
    cursor, key = cursor_of_length(cursors.MAX_CURSOR_CHARS)
    assert cursors.decode(cursor, "products", FIELDS) == key


def test_one_character_more_is_refused_before_the_signature_is_checked(monkeypatch):
    cursor, _ = cursor_of_length(cursors.MAX_CURSOR_CHARS)
    checked = []
    monkeypatch.setattr(cursors, "_sign", lambda scope, payload: checked.append(payload) or "")
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor + "A", "products", FIELDS)
    assert checked == []
