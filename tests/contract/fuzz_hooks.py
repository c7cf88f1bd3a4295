"""Schemathesis hooks: the request rules JSON Schema cannot state (each product once per order or return,
a new password's 72 bytes, tracking only on a move to shipped), and numbers at the
edges of Python's Decimal context, which JSON Schema generators never spell.

Without the filter, "schema-valid" requests that the server rightly refuses would be
reported as the server's fault. `filter_case` (rather than `filter_body`) so that the
coverage phase applies it too.

`before_call` re-spells the numbers of every JSON body before it is sent (the generated
body is unchanged; the request carries the re-spelt text): in a positive case each
fractional number gets the same value written with 30 trailing zeros or as an exponent (the
server must accept it as it accepts the plain spelling; integers stay as they are, since a
count must arrive as a JSON integer); in a negative case each number becomes one of
EDGE_NUMBERS, values past a float and Decimal's 28 significant digits (the server must
refuse it with a 4xx, as the negative checks require, and never answer 5xx). A hypothesis
float can spell none of these, which is how a price of 10^28 + 0.001 reached
`Decimal.quantize` and a 500. A failure report's curl line shows the generated body; the
number actually sent is one of these spellings (before this hook, the fuzzer found no 500
here; with it and the old Money field, it failed POST /orders, POST /products and PUT
/products/{id} with ST101).
"""

from __future__ import annotations

import itertools
import json
import uuid
from decimal import Decimal
from typing import Any

import schemathesis

MAX_PASSWORD_BYTES = 72  # bcrypt's limit, in bytes; JSON Schema's maxLength counts characters
# The new passwords each route checks against that limit (a current password is only compared).
PASSWORD_FIELDS = {
    ("POST", "/auth/register"): ("password",),
    ("PUT", "/me/password"): ("newPassword",),
    ("POST", "/auth/password-reset/confirm"): ("password",),
}
EDGE_NUMBERS = (
    "10000000000000000000000000000.001",  # past 28 significant digits once quantized to cents
    "99999999999999999999999999.999",
    "1E+999999999",
    "-1E+999999999",
    "1E-999999999",
    "0E-1000",
    "123456789012345678901234567890123456789",
    "1.0000000000000000000000000000000001",
)
_edges = itertools.cycle(EDGE_NUMBERS)
_spellings = itertools.cycle(("zeros", "exponent"))


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    body = case.body
    if not isinstance(body, dict):
        return True
    route = (case.operation.method.upper(), case.operation.path)
    if route in (("POST", "/orders"), ("POST", "/orders/{id}/returns")) and isinstance(body.get("items"), list):
        # Each product may appear once per order or return (JSON Schema's uniqueItems compares whole lines).
        ids = [str(line.get("productId")) for line in body["items"] if isinstance(line, dict)]
        return len(ids) == len(set(ids))
    for name in PASSWORD_FIELDS.get(route, ()):
        if isinstance(body.get(name), str) and len(body[name].encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES:
            return False
    if route == ("PUT", "/orders/{id}/status") and "tracking" in body:
        # Only a move to shipped carries tracking (a rule across two fields; docs/API.md).
        return body.get("status") == "shipped"
    return True


def same_value(number: int | float) -> str:
    """A fractional `number` spelt another exact way: 19.99 -> 19.99000...0 or 1999E-2."""
    if isinstance(number, int) or number.is_integer():
        return json.dumps(number)
    exact = Decimal(repr(number))
    if next(_spellings) == "exponent":
        sign, digits, exponent = exact.as_tuple()
        return ("-" if sign else "") + "".join(map(str, digits)) + f"E{exponent:+d}"
    plain = f"{exact:f}"
    return plain + ("" if "." in plain else ".") + "0" * 30


def respell(body: Any, spell) -> str | None:
    """`body` as JSON text with every number n written as spell(n); None without numbers."""
    literals: dict[str, str] = {}
    tag = uuid.uuid4().hex

    def walk(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | dict | list):
            return value
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        marker = f"{tag}-{len(literals)}"
        literals[json.dumps(marker)] = spell(value)
        return marker

    text = json.dumps(walk(body))
    if not literals:
        return None
    for marker, literal in literals.items():
        text = text.replace(marker, literal)
    return text


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if not isinstance(case.body, dict | list) or "data" in kwargs or "json" in kwargs:
        return
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    text = respell(case.body, (lambda _: next(_edges)) if negative else same_value)
    if text is not None:
        kwargs["data"] = text.encode()
