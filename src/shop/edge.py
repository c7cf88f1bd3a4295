"""The HTTP edge: everything between an API Gateway REST proxy event and one service call.

A handler is one function decorated with @endpoint, which declares the operation (who may
call it, its body and query schemas, its success status and its documented errors) the way
Powertools' resolver decorators do. The edge authenticates, validates, calls the handler,
and renders the envelope with CORS, security headers, the request id and one JSON log
line. The OpenAPI document is generated from these declarations (devtools.openapi).
"""

from __future__ import annotations

import functools
import os
import re
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import config, deadline, errors
from .envelope import INTERNAL_ERROR, SECURITY_HEADERS, ErrorReply, Reply, created, error_reply, ok, page
from .errors import NotFound
from .examples import Example as Example  # re-exported: handlers declare with it
from .examples import Shape as Shape
from .inputs import Request, validate
from .log import logger

if TYPE_CHECKING:  # imported where used, so that a cold start only pays for what its route needs
    from marshmallow import Schema

    from . import tokens

__all__ = ["SECURITY_HEADERS", "Operation", "Reply", "Request", "created", "endpoint", "ok", "page"]

BEARER = re.compile(r"^\s*bearer\s+([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*)\s*$", re.IGNORECASE)
ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Authorization, Idempotency-Key, X-Request-Id"
EXPOSED_HEADERS = "X-Request-Id, Retry-After, Idempotent-Replayed"

_cold_start = True
# The canary's per-version signal (deploy/plugins/canary.js): the edge answers an exception with
# a 500 instead of raising, so Lambda's own Errors metric never sees it.
METRICS_NAMESPACE = "ShopApi"
HTTP_5XX_METRIC = "Http5xx"


@dataclass(frozen=True)
class Operation:
    """What one route means to a client. `summary` and `description` come from the handler
    module's docstring; `errors` lists the statuses that do not follow from the rest (401
    with auth, 403 with admin, 400/413/415 with a body, 400 with a query, 503 anywhere)."""

    auth: str | None = None  # None, "user" (any signed-in user) or "admin"
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    status: int = 200
    response: str | Shape = ""  # an envelope name in devtools.api_schemas.ENVELOPES, or some fields of one
    errors: dict[int, str] = field(default_factory=dict)
    idempotency_key: bool = False
    rate_limit: str | None = None  # a per-source-address limit ("login", "register")
    # What a path id that no record can have answers (inputs.PATH_ID): the route's 404.
    not_found: type[NotFound] = NotFound
    # A body the handler reads as sent (a signed webhook), not through a schema: what it is,
    # and the request header that signs it.
    raw_body: str = ""
    signature_header: str = ""
    # For the generated docs and harnesses (devtools.routes): who may call it, in words, and
    # a request that passes validation (shop.examples).
    who: str = ""
    example: Example | None = None


def endpoint(**declared: Any) -> Callable[[Callable[[Request], Any]], Callable[..., dict[str, Any]]]:
    """Wrap `fn(request) -> data | Reply` as a Lambda handler for the Operation(**declared).
    Plain data is answered with the operation's status."""
    operation = Operation(**declared)
    body_schema = operation.body() if operation.body else None
    query_schema = operation.query() if operation.query else None

    def decorate(fn: Callable[[Request], Any]) -> Callable[..., dict[str, Any]]:
        # The work is in module-level functions, not in closures made at import time, so
        # that what a request runs is what a test (or a mutation run) can reach.
        call = functools.partial(_call, fn, operation, body_schema, query_schema)

        @functools.wraps(fn)
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return _handle(call, operation, event, context)

        handler.operation = operation  # type: ignore[attr-defined]
        return handler

    return decorate


def _call(
    fn: Callable[[Request], Any],
    operation: Operation,
    body_schema: Schema | None,
    query_schema: Schema | None,
    request: Request,
) -> Reply:
    invalid = request.invalid_path_ids()
    if invalid:
        # Decided by the id's shape, before DynamoDB sees a key it would refuse. The route's
        # own 404 is for its `{id}`; a sub-resource's id ({imageId}) alone is the plain
        # NOT_FOUND its service answers for an unknown one.
        missing = operation.not_found if "id" in invalid else NotFound
        raise missing()
    if query_schema is not None:
        request.params = validate(query_schema, dict(request.query))
    if body_schema is not None:
        request.data = validate(body_schema, request.json_object())
    result = fn(request)
    return result if isinstance(result, Reply) else Reply(operation.status, result)


def _authenticate(headers: dict[str, str], role: str) -> tokens.Caller:
    header = headers.get("authorization")
    if header is None:
        raise errors.Unauthorized("Missing bearer token")
    match = BEARER.match(header)
    if match is None:
        raise errors.Unauthorized("Malformed Authorization header")
    from . import tokens  # PyJWT: only routes that authenticate load it

    # Imported here, like PyJWT: a route without auth never loads the storage for this.
    from .services.access import current
    from .storage import storage

    # The token's session against the account's (a password change ends older tokens), and
    # the admin claim against its role: one read of the user.
    caller = current(storage(), tokens.verify(match.group(1)))
    if role == "admin" and not caller.confirmed_admin:
        raise errors.Forbidden("Admin role required")
    return caller


def _cors_headers(origin: str | None) -> dict[str, str]:
    # Matched after trimming trailing slashes and case (scheme and host are case-insensitive),
    # but answered with the allowlist's own spelling: the request's bytes are never echoed.
    wanted = origin.rstrip("/").lower() if origin else None
    for allowed in config.settings().cors_allowed_origins:
        if allowed.lower() == wanted:
            return {"Access-Control-Allow-Origin": allowed, "Access-Control-Expose-Headers": EXPOSED_HEADERS}
    return {}


def _preflight(cors: dict[str, str]) -> Reply:
    headers = dict(cors)
    if headers:
        headers.update(
            {
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": "600",
            }
        )
    return Reply(204, headers=headers)


def _where(error: BaseException) -> str:
    """File and line of the innermost frame: enough to find the bug, no values."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else "unknown"


def _response(reply: Reply, request_id: str, cors: dict[str, str]) -> dict[str, Any]:
    headers = {**SECURITY_HEADERS, "X-Request-Id": request_id, "Vary": "Origin", **cors, **reply.headers}
    if reply.status != 204:
        headers["Content-Type"] = "application/json"
    return {"statusCode": reply.status, "headers": headers, "body": reply.body(), "isBase64Encoded": False}


def _limit_source(action: str, context_info: dict[str, Any]) -> None:
    # Imported here, like the admin check: only login and register pay for it.
    from .services import throttle
    from .storage import storage

    source_ip = (context_info.get("identity") or {}).get("sourceIp") or "unknown"
    throttle.limit_source(storage(), action, source_ip)


def _handle(
    call: Callable[[Request], Reply], operation: Operation, event: dict[str, Any], context: Any
) -> dict[str, Any]:
    global _cold_start
    started = time.perf_counter()
    cold, _cold_start = _cold_start, False
    context_info = event.get("requestContext") or {}
    request_id = context_info.get("requestId") or str(uuid.uuid4())
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    method = event.get("httpMethod", "")
    log: dict[str, Any] = {
        "requestId": request_id,
        "function": getattr(context, "function_name", None),
        "method": method,
        "route": event.get("resource"),
        "coldStart": cold,
        "version": getattr(context, "function_version", None),
    }
    cors: dict[str, str] = {}
    time_limit = deadline.start(context)
    try:
        cors = _cors_headers(headers.get("origin"))
        if method == "OPTIONS":
            reply = _preflight(cors)
        else:
            request = Request(event, headers)
            if operation.rate_limit is not None:
                _limit_source(operation.rate_limit, context_info)
            if operation.auth is not None:
                request.caller = _authenticate(headers, operation.auth)
                log["userId"] = request.caller.user_id
            reply = call(request)
    except errors.DomainError as error:
        reply = error_reply(error)
        log["errorCode"] = reply.payload["code"]
    except Exception as error:  # the one catch-all: anything unforeseen is a generic 500
        reply = ErrorReply(500, INTERNAL_ERROR, {})
        log.update(errorType=type(error).__name__, errorAt=_where(error))
    finally:
        deadline.end(time_limit)
    log["status"] = reply.status
    log["durationMs"] = round((time.perf_counter() - started) * 1000, 2)
    if reply.status >= 500:
        _count_5xx(context)
        logger.error("request failed", extra=log)
    else:
        logger.info("request", extra=log)
    return _response(reply, request_id, cors)


def _count_5xx(context: Any) -> None:
    """One EMF datapoint, dimensioned by function and executed version (imported only here)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    dimensions = {
        "function": str(getattr(context, "function_name", None) or "unknown"),
        "version": str(getattr(context, "function_version", None) or "$LATEST"),
    }
    with single_metric(
        name=HTTP_5XX_METRIC, unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE, default_dimensions=dimensions
    ):
        pass
