"""JSON in and out with exact decimals: money never passes through a binary float on input."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


class DuplicateKey(ValueError):
    """An object names the same key twice: `{"name": "a", "name": "b"}`."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    parsed = dict(pairs)
    if len(parsed) != len(pairs):  # json.loads would keep the last one silently
        raise DuplicateKey("Duplicate key in a JSON object")
    return parsed


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _require_text(value: Any) -> None:
    """JSON's "\ud800" escape parses to a lone surrogate: not text, and DynamoDB cannot store it."""
    if isinstance(value, str):
        value.encode("utf-8")  # raises UnicodeEncodeError, a ValueError
    elif isinstance(value, dict):
        for key, item in value.items():
            _require_text(key)
            _require_text(item)
    elif isinstance(value, list):
        for item in value:
            _require_text(item)


def loads(text: str | bytes) -> Any:
    parsed = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    _require_text(parsed)
    return parsed


def _default(value: Any) -> Any:
    """Decimals as numbers; a typed record (shop.domain) as it shows itself to the API: the one
    way a record becomes JSON (its `as_api()`)."""
    if isinstance(value, Decimal):
        # Integral values print as ints; cent amounts (at most 15 significant digits)
        # round-trip exactly through the shortest float repr, so 19.99 prints as 19.99.
        return int(value) if value == value.to_integral_value() else float(value)
    shown = getattr(value, "as_api", None)
    if callable(shown):
        return shown()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"), ensure_ascii=False)
