"""Generates the OpenAPI document from serverless.yml and the marshmallow schemas.

Methods and paths come from serverless.yml; each route's handler declares its operation
(`@endpoint(...)`: auth, body and query schemas, status, response envelope, errors) and its
module docstring gives the summary (first line) and description; request rules come from
shop.schemas and response shapes from devtools.api_schemas. Nothing here is written by hand
twice, so the document cannot drift from the code:

    python -m devtools.openapi            # writes docs/openapi.json (make openapi)
    python -m devtools.openapi --check    # exits 1 when docs/openapi.json is stale
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from shop import inputs, schemas
from shop.edge import Operation

from . import serverless_config
from .api_schemas import ENVELOPES, ErrorSchema

OPENAPI_VERSION = "3.0.3"
OUTPUT = serverless_config.ROOT / "docs" / "openapi.json"
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


class UndocumentedFunction(RuntimeError):
    """A routed function whose handler declares no operation, or has no docstring."""


@dataclass(frozen=True)
class Documented:
    """One route's operation, as its handler declares it."""

    operation: Operation
    summary: str
    description: str
    tag: str


# ---- custom marshmallow fields -> JSON Schema ------------------------------------------


# inputs.PATH_ID: any other id is the route's 404, answered by the edge.
PATH_ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": inputs.MAX_PATH_ID, "pattern": "^[A-Za-z0-9._~-]+$"}


def _validators(field: fields.Field) -> list[Any]:
    return list(getattr(field, "validators", []))


# Python's str.strip() (and so Trimmed) removes more than ECMA-262's \s, which is what a JSON
# Schema pattern's \S means to clients and to the fuzzer (U+001C to U+001F, U+0085): name every
# character str.isspace() accepts, so both read "at least one character strip() keeps".
_PY_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
NOT_ONLY_WHITESPACE = "[^" + "".join(f"\\u{ord(c):04x}" for c in _PY_WHITESPACE) + "]"


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
    elif isinstance(field, schemas.Trimmed) and ret.get("minLength", 0) >= 1:
        # Surrounding whitespace is removed before the length check: blank is empty.
        extra["pattern"] = NOT_ONLY_WHITESPACE
        extra["description"] = "Surrounding whitespace is trimmed before the length is checked."
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


# ---- building the document -----------------------------------------------------------------


def _ref(name: str, kind: str = "schemas") -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error_response(status: int, when: str) -> dict[str, Any]:
    headers: dict[str, Any] = {"X-Request-Id": _ref("X-Request-Id", "headers")}
    if status == 401:
        headers["WWW-Authenticate"] = _ref("WWW-Authenticate", "headers")
    if status in (429, 503):
        headers["Retry-After"] = _ref("Retry-After", "headers")
    return {
        "description": when,
        "headers": headers,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _errors_of(operation: Operation, path: str) -> dict[int, str]:
    found: dict[int, str] = {}
    if "{" in path:
        # The edge answers 404 for an id no record can have (PATH_ID_SCHEMA), on every route
        # with one, before its service runs; a route's own 404 (below) says more.
        found[404] = "An id outside the path parameter's pattern (`NOT_FOUND`, or the route's own 404 code)."
    if operation.body is not None or operation.query is not None or operation.idempotency_key or operation.raw_body:
        found[400] = ERRORS[400]
    if operation.auth is not None:
        found[401] = ERRORS[401]
    if operation.auth == "admin":
        found[403] = ERRORS[403]
    if operation.body is not None:
        found[413] = ERRORS[413]
        found[415] = ERRORS[415]
    if operation.raw_body:
        found[413] = ERRORS[413]
    found.update(operation.errors)
    found[500] = ERRORS[500]
    found[503] = ERRORS[503]
    return found


def _operation(name: str, route: serverless_config.Route, documented: Documented) -> dict[str, Any]:
    operation = documented.operation
    success_headers: dict[str, Any] = {"X-Request-Id": _ref("X-Request-Id", "headers")}
    if operation.idempotency_key:
        success_headers["Idempotent-Replayed"] = _ref("Idempotent-Replayed", "headers")
    responses: dict[str, Any] = {
        str(operation.status): {
            "description": documented.summary,
            "headers": success_headers,
            "content": {"application/json": {"schema": _ref(operation.response)}},
        }
    }
    for status, when in sorted(_errors_of(operation, route.path).items()):
        responses[str(status)] = _error_response(status, when)

    parameters: list[Any] = [
        {"in": "path", "name": param, "required": True, "schema": PATH_ID_SCHEMA}
        for param in re.findall(r"\{([^}+]+)\}", route.path)
    ]
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    if operation.idempotency_key:
        parameters.append("Idempotency-Key")  # apispec resolves a component name to its $ref
    if operation.signature_header:
        parameters.append(
            {
                "in": "header",
                "name": operation.signature_header,
                "required": True,
                "description": '`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, at most 300 s old.',
                "schema": {"type": "string", "minLength": 1},
            }
        )

    spec: dict[str, Any] = {
        "operationId": name,
        "tags": [documented.tag],
        "summary": documented.summary,
        "responses": responses,
    }
    if documented.description:
        spec["description"] = documented.description
    if parameters:
        spec["parameters"] = parameters
    if operation.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": operation.body}},
        }
    elif operation.raw_body:
        spec["requestBody"] = {
            "required": True,
            "description": operation.raw_body,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    spec["security"] = [{"bearerAuth": []}] if operation.auth else []
    return spec


def describe(route: serverless_config.Route) -> Documented:
    """The operation a route's handler declares, with the words of its module docstring."""
    module_name, _, attribute = route.handler.rpartition(".")
    module = importlib.import_module(module_name.removeprefix("src/").replace("/", "."))
    operation = getattr(getattr(module, attribute, None), "operation", None)
    text = (module.__doc__ or "").strip()
    if not isinstance(operation, Operation) or not text:
        raise UndocumentedFunction(
            f"{route.function}: its handler ({route.handler}) must be an @endpoint(...) in a module whose "
            "docstring gives the summary (first line) and the description"
        )
    summary, _, description = text.partition("\n")
    return Documented(operation, summary.strip(), " ".join(description.split()), route.path.split("/")[1])


def _documented_routes(config: dict[str, Any] | None) -> list[tuple[serverless_config.Route, Documented]]:
    return [(route, describe(route)) for route in serverless_config.routes(config) if route.method != "ANY"]


def _tags(routes: list[tuple[serverless_config.Route, Documented]]) -> list[dict[str, str]]:
    names = dict.fromkeys([*TAG_DESCRIPTIONS, *(documented.tag for _, documented in routes)])
    used = {documented.tag for _, documented in routes}
    return [
        {"name": name, **({"description": TAG_DESCRIPTIONS[name]} if name in TAG_DESCRIPTIONS else {})}
        for name in names
        if name in used
    ]


def build(config: dict[str, Any] | None = None) -> dict[str, Any]:
    routes = _documented_routes(config)
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="Shop API",
        version="1.0.0",
        openapi_version=OPENAPI_VERSION,
        plugins=[marshmallow],
        info={"description": API_DESCRIPTION},
        servers=[{"url": "http://127.0.0.1:3000", "description": "make run"}],
        tags=_tags(routes),
    )
    if marshmallow.converter is None:  # set by APISpec when it registers the plugin
        raise RuntimeError("apispec did not initialise the marshmallow plugin")
    marshmallow.map_to_openapi_type(schemas.Money, "number", None)
    marshmallow.converter.add_attribute_function(shop_field_properties)

    spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "From register or login."},
    )
    spec.components.header("X-Request-Id", {"description": "The request's id.", "schema": {"type": "string"}})
    spec.components.header(
        "Retry-After", {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 0}}
    )
    spec.components.header(
        "WWW-Authenticate", {"description": "The scheme to use: Bearer.", "schema": {"type": "string"}}
    )
    spec.components.header(
        "Idempotent-Replayed",
        {
            "description": "`true` when this is the original answer to an earlier request with the same key.",
            "schema": {"type": "string", "enum": ["true"]},
        },
    )
    spec.components.parameter(
        "Idempotency-Key",
        "header",
        {
            "required": False,
            "description": "Makes a retry safe: the same key and request return the same order, once.",
            "schema": {"type": "string", "pattern": inputs.IDEMPOTENCY_KEY.pattern, "minLength": 1, "maxLength": 64},
        },
    )
    spec.components.schema("Error", schema=ErrorSchema)
    # Every request body under its class name without "Schema"; apispec names the nested ones alike.
    for body in dict.fromkeys(documented.operation.body for _, documented in routes if documented.operation.body):
        spec.components.schema(body.__name__.removesuffix("Schema"), schema=body)
    for name, schema in ENVELOPES.items():
        spec.components.schema(name, schema=schema)
    # Rules over a whole body that marshmallow states in a @validates_schema method.
    spec.components.schemas["ProductUpdate"]["minProperties"] = 1
    spec.components.schemas["ProductUpdate"]["not"] = {"required": ["stock", "stockDelta"]}
    spec.components.schemas["ProductUpdate"]["properties"]["stockDelta"]["not"] = {"enum": [0]}

    by_path: dict[str, dict[str, Any]] = {}
    for route, documented in routes:
        by_path.setdefault(route.path, {})[route.method.lower()] = _operation(route.function, route, documented)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the file differs from a fresh generation")
    parser.add_argument("output", nargs="?", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run `make openapi` and commit it.", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date.")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
