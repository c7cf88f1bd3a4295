"""Generates the OpenAPI document from serverless.yml and the marshmallow schemas.

Methods and paths come from serverless.yml; each route's handler declares its operation
(`@endpoint(...)`: auth, body and query schemas, status, response envelope, errors) and its
module docstring gives the summary (first line) and description (devtools.routes); request
rules come from shop.schemas, response shapes from devtools.api_schemas, and what apispec
cannot see from devtools.openapi_rules. Nothing here is written by hand twice, so the
document cannot drift from the code:

    python -m devtools.generate           # writes docs/openapi.json and the other generated files
    python -m devtools.openapi --check    # exits 1 when docs/openapi.json is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shop import inputs, schemas
from shop.edge import Operation

from . import serverless_config
from .api_schemas import ENVELOPES, ErrorSchema, projection
from .openapi_rules import API_DESCRIPTION, ERRORS, PATH_ID_SCHEMA, TAG_DESCRIPTIONS, shop_field_properties
from .routes import Declared, UndocumentedFunction, declared

__all__ = ["UndocumentedFunction", "build", "main", "render"]
OPENAPI_VERSION = "3.0.3"
OUTPUT = serverless_config.ROOT / "docs" / "openapi.json"


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


def _operation(documented: Declared) -> dict[str, Any]:
    route, operation = documented.route, documented.operation
    if route is None or operation is None:
        raise UndocumentedFunction(f"{documented.function}: not an HTTP operation")
    success_headers: dict[str, Any] = {"X-Request-Id": _ref("X-Request-Id", "headers")}
    if operation.idempotency_key:
        success_headers["Idempotent-Replayed"] = _ref("Idempotent-Replayed", "headers")
    responses: dict[str, Any] = {
        str(operation.status): {
            "description": documented.summary,
            "headers": success_headers,
            "content": {"application/json": {"schema": _ref(_envelope_name(operation))}},
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
        "operationId": documented.function,
        "tags": [_tag(route)],
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


def _tag(route: serverless_config.Route) -> str:
    return route.path.split("/")[1]


def _envelope_name(operation: Operation) -> str:
    return operation.response if isinstance(operation.response, str) else f"{operation.response.name}Envelope"


def _tags(routes: list[Declared]) -> list[dict[str, str]]:
    used = {_tag(documented.route) for documented in routes if documented.route}
    names = dict.fromkeys([*TAG_DESCRIPTIONS, *(_tag(d.route) for d in routes if d.route)])
    return [
        {"name": name, **({"description": TAG_DESCRIPTIONS[name]} if name in TAG_DESCRIPTIONS else {})}
        for name in names
        if name in used
    ]


def build(config: dict[str, Any] | None = None) -> dict[str, Any]:
    routes = [documented for documented in declared(config) if documented.route is not None]
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
    operations = [documented.operation for documented in routes if documented.operation]
    for body in dict.fromkeys(operation.body for operation in operations if operation.body):
        spec.components.schema(body.__name__.removesuffix("Schema"), schema=body)
    envelopes = dict(ENVELOPES)
    for operation in operations:  # a response declared as some fields of a documented shape
        if not isinstance(operation.response, str):
            envelopes[_envelope_name(operation)] = projection(operation.response)
    for name, schema in envelopes.items():
        spec.components.schema(name, schema=schema)
    # Rules over a whole body that marshmallow states in a @validates_schema method.
    spec.components.schemas["ProductUpdate"]["minProperties"] = 1
    spec.components.schemas["ProductUpdate"]["not"] = {"required": ["stock", "stockDelta"]}
    spec.components.schemas["ProductUpdate"]["properties"]["stockDelta"]["not"] = {"enum": [0]}

    by_path: dict[str, dict[str, Any]] = {}
    for documented in routes:
        path, method = documented.route.path, documented.route.method  # type: ignore[union-attr]
        by_path.setdefault(path, {})[method.lower()] = _operation(documented)
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
