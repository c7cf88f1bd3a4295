"""What the OpenAPI document says that apispec cannot read from the code: the tags' words,
each error status's meaning, the API's description, and the rules inside shop.schemas'
custom fields and validators (devtools.openapi registers shop_field_properties with apispec)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import fields

from shop import inputs, schemas

# Tags by the first segment of a path, in this order; a path under a new segment gets a tag
# of that name (and no description until one is added here).
TAG_DESCRIPTIONS = {
    "auth": "Accounts and tokens",
    "products": "The catalogue: anyone reads, admins write",
    "orders": "Orders priced on the server",
    "health": "Liveness and the table",
}
# (code(s), meaning) of each error status, for the response descriptions.
ERRORS = {
    400: "`INVALID_JSON`, `VALIDATION_ERROR` (with `details`) or `INVALID_CURSOR`",
    401: "`UNAUTHORIZED`: missing, malformed, expired or forged bearer token",
    403: "`FORBIDDEN`: signed in, but not an admin",
    404: "`NOT_FOUND`",
    409: "a conflict with the current state",
    413: "`PAYLOAD_TOO_LARGE`: body over 64 KiB",
    415: "`UNSUPPORTED_MEDIA_TYPE`: a body without `Content-Type: application/json`",
    422: "`IDEMPOTENCY_KEY_REUSED`",
    429: "`TOO_MANY_REQUESTS`: come back after `Retry-After` seconds",
    500: "`INTERNAL_ERROR`: never reveals internals",
    503: "`SERVICE_UNAVAILABLE`: DynamoDB throttled or unreachable; retry after `Retry-After` seconds",
}
API_DESCRIPTION = """\
Every response is JSON (`application/json`) and carries `X-Request-Id`.

* Success: `{"success": true, "data": ...}`; lists add `"pagination": {"nextCursor", "limit"}`.
* Error: `{"success": false, "error": "<message>", "code": "<UPPER_SNAKE_CODE>"}`; validation errors
  add `"details": {"<field path>": ["<message>", ...]}` naming every failing field.
* A method a path does not have is a 405 `METHOD_NOT_ALLOWED`; an unknown path is a 404 `NOT_FOUND`.
* `OPTIONS` on any path is a CORS preflight (204) that names the allowed methods and headers for listed
  origins only.
* Sign in with `POST /auth/login` (or register), then send `Authorization: Bearer <token>`.

Generated from `serverless.yml` and the marshmallow schemas by `make openapi`; do not edit by hand.
"""


# inputs.PATH_ID: any other id is the route's 404, answered by the edge.
PATH_ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": inputs.MAX_PATH_ID, "pattern": "^[A-Za-z0-9._~-]+$"}


def _validators(field: fields.Field) -> list[Any]:
    return list(getattr(field, "validators", []))


# Python's str.strip() (and so Trimmed) removes more than ECMA-262's \s, which is what a JSON
# Schema pattern's \S means to clients and to the fuzzer (U+001C to U+001F, U+0085): name every
# character str.isspace() accepts, so both read "at least one character strip() keeps".
_PY_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
NOT_ONLY_WHITESPACE = "[^" + "".join(f"\\u{ord(c):04x}" for c in _PY_WHITESPACE) + "]"


def _ranges(chars: list[str]) -> str:
    """`chars` as the inside of a JSON Schema (ECMA-262) character class, in \\uXXXX ranges."""
    codes = sorted(ord(c) for c in chars)
    spans: list[list[int]] = []
    for code in codes:
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in spans)


def _refused_class(refused: re.Pattern[str]) -> str:
    """The characters a Trimmed field refuses (schemas.CONTROLS or LINE_CONTROLS), as a class body."""
    return _ranges([chr(c) for c in range(0x3000) if refused.match(chr(c))])


def free_text_pattern(refused: re.Pattern[str], non_blank: bool) -> str:
    """The pattern of a Trimmed field: none of the characters it refuses and, when it must not be
    blank, at least one that is neither refused nor whitespace. One pattern without lookaheads,
    so clients and generators read it alike."""
    allowed = f"[^{_refused_class(refused)}]"
    if not non_blank:
        return f"^{allowed}*$"
    visible = "[^" + _refused_class(refused) + NOT_ONLY_WHITESPACE[2:]
    return f"^{allowed}*{visible}{allowed}*$"


def shop_field_properties(self: Any, field: fields.Field, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """What apispec cannot see in shop.schemas: the rules inside custom fields and validators."""
    extra: dict[str, Any] = {}
    if isinstance(field, schemas.Money):
        extra.update(
            type="number",
            minimum=0,
            exclusiveMinimum=True,
            maximum=float(field.maximum),
            multipleOf=0.01,
            description=f"A JSON number greater than 0 and at most {field.maximum}, with at most 2 decimal places "
            '(a string such as "19.99" is refused).',
        )
    if isinstance(field, schemas.WholeNumber):
        extra["description"] = 'A JSON integer (1.0, "1" and true are refused).'
    if isinstance(field, schemas.Email | schemas.LoginEmail):
        extra["description"] = (
            "Trimmed, NFKC-normalized and lower-cased, with an internationalized domain in its IDNA "
            "A-label form, before it is checked and stored (docs/API.md)."
        )
        if any(v.__class__.__name__ == "Email" for v in _validators(field)):
            extra["format"] = "email"
    elif isinstance(field, schemas.Trimmed) and "pattern" not in ret:
        # Control and bidi-override characters are refused (schemas.Trimmed); surrounding
        # whitespace is removed before the length check: blank is empty.
        non_blank = ret.get("minLength", 0) >= 1
        extra["pattern"] = free_text_pattern(field.refused, non_blank)
        extra["description"] = "Control and bidirectional-override characters are refused." + (
            " Surrounding whitespace is trimmed before the length is checked." if non_blank else ""
        )
    if schemas.strong_password in _validators(field):
        extra.update(
            minLength=8,
            maxLength=72,
            pattern=r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])(?=.*[^A-Za-z0-9]).*$",
            format="password",
            description="8 to 72 bytes of UTF-8 with a lower-case letter, an upper-case letter, a digit and a "
            "character that is neither; well-known passwords are refused.",
        )
    if schemas.https_url in _validators(field):
        extra.update(format="uri", pattern=r"^https://[^\s]+$", description="An https URL.")
    return extra
