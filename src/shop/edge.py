"""The HTTP edge: everything between an API Gateway REST proxy event and one service call.

One place for the envelope, the error table, CORS, security headers, the request id,
bearer authentication, body parsing and the per-request JSON log line. Handlers are
decorated with @endpoint and stay a few lines each.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from . import config, errors, jsonio

if TYPE_CHECKING:  # imported where used, so that a cold start only pays for what its route needs
    from marshmallow import Schema

    from . import tokens

MAX_BODY_BYTES = 64 * 1024
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
BEARER = re.compile(r"^\s*bearer\s+([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*)\s*$", re.IGNORECASE)
ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Authorization, Idempotency-Key, X-Request-Id"
EXPOSED_HEADERS = "X-Request-Id, Retry-After, Idempotent-Replayed"
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# Domain error -> (status, code). Looked up along the class hierarchy, most specific first.
ERROR_TABLE: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.InvalidJson: (400, "INVALID_JSON"),
    errors.ValidationFailed: (400, "VALIDATION_ERROR"),
    errors.InvalidCursor: (400, "INVALID_CURSOR"),
    errors.Unauthorized: (401, "UNAUTHORIZED"),
    errors.Forbidden: (403, "FORBIDDEN"),
    errors.ProductNotFound: (404, "PRODUCT_NOT_FOUND"),
    errors.NotFound: (404, "NOT_FOUND"),
    errors.MethodNotAllowed: (405, "METHOD_NOT_ALLOWED"),
    errors.EmailTaken: (409, "EMAIL_TAKEN"),
    errors.OutOfStock: (409, "OUT_OF_STOCK"),
    errors.PriceChanged: (409, "PRICE_CHANGED"),
    errors.StockLimitReached: (409, "STOCK_LIMIT_REACHED"),
    errors.InvalidTransition: (409, "INVALID_TRANSITION"),
    errors.PayloadTooLarge: (413, "PAYLOAD_TOO_LARGE"),
    errors.UnsupportedMediaType: (415, "UNSUPPORTED_MEDIA_TYPE"),
    errors.IdempotencyKeyReused: (422, "IDEMPOTENCY_KEY_REUSED"),
    errors.TooManyRequests: (429, "TOO_MANY_REQUESTS"),
    errors.ServiceUnavailable: (503, "SERVICE_UNAVAILABLE"),
}
INTERNAL_ERROR = {"success": False, "error": "Internal server error", "code": "INTERNAL_ERROR"}

logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api"),
    level=os.environ.get("LOG_LEVEL", "INFO"),
    use_rfc3339=True,
)
logger.remove_keys(["location"])
_cold_start = True


@dataclass
class Reply:
    status: int
    data: Any = None
    pagination: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> str:
        if self.status == 204:
            return ""
        envelope: dict[str, Any] = {"success": True, "data": self.data}
        if self.pagination is not None:
            envelope["pagination"] = self.pagination
        return jsonio.dumps(envelope)


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, data, headers=headers or {})


def created(data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(201, data, headers=headers or {})


def page(result: Any, limit: int) -> Reply:
    return Reply(200, result.items, pagination={"nextCursor": result.next_cursor, "limit": limit})


class ErrorReply(Reply):
    def __init__(self, status: int, payload: dict[str, Any], headers: dict[str, str]):
        super().__init__(status, headers=headers)
        self.payload = payload

    def body(self) -> str:
        return jsonio.dumps(self.payload)


def error_reply(error: errors.DomainError) -> ErrorReply:
    status, code = next(ERROR_TABLE[cls] for cls in type(error).__mro__ if cls in ERROR_TABLE)
    payload: dict[str, Any] = {"success": False, "error": error.message, "code": code}
    if error.details:
        payload["details"] = error.details
    elif isinstance(error, errors.ValidationFailed):
        payload["details"] = {}
    headers = {}
    if isinstance(error, errors.Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="shop-api"'
    if isinstance(error, errors.RetryLater):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, errors.MethodNotAllowed) and error.allow:
        headers["Allow"] = ", ".join(error.allow)
    return ErrorReply(status, payload, headers)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors -> {"items.0.quantity": [...], "shippingAddress.city": [...]}."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "body": list(messages)}
        flat: dict[str, list[str]] = {}
        for message in messages:
            for key, value in flatten_messages(message, prefix).items():
                flat.setdefault(key, []).extend(value)
        return flat
    if isinstance(messages, dict):
        flat = {}
        for key, value in messages.items():
            name = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            for path, texts in flatten_messages(value, name).items():
                flat.setdefault(path, []).extend(texts)
        return flat
    return {prefix or "body": [str(messages)]}


def validate(schema: Schema, data: Any) -> dict[str, Any]:
    from marshmallow import ValidationError  # loaded by the handler's schemas module already

    try:
        return schema.load(data)
    except ValidationError as error:
        raise errors.ValidationFailed(details=flatten_messages(error.messages)) from None


class Request:
    def __init__(self, event: dict[str, Any], headers: dict[str, str]):
        self.event = event
        self.headers = headers
        self.path_params: dict[str, str] = event.get("pathParameters") or {}
        self.query: dict[str, str] = event.get("queryStringParameters") or {}
        self.caller: tokens.Caller | None = None

    @property
    def user(self) -> tokens.Caller:
        if self.caller is None:  # an endpoint without auth asked for a user: a wiring bug
            raise RuntimeError("endpoint is not authenticated")
        return self.caller

    def path(self, name: str) -> str:
        return self.path_params.get(name, "")

    def params(self, schema: Schema) -> dict[str, Any]:
        return validate(schema, dict(self.query))

    def body(self, schema: Schema) -> dict[str, Any]:
        return validate(schema, self._json_object())

    def idempotency_key(self) -> str | None:
        key = self.headers.get("idempotency-key")
        if key is None:
            return None
        if not IDEMPOTENCY_KEY.match(key):
            raise errors.ValidationFailed(
                details={"Idempotency-Key": ["Must be 1 to 64 characters of A-Z a-z 0-9 _ -."]}
            )
        return key

    def _json_object(self) -> dict[str, Any]:
        raw = self.event.get("body")
        if raw is None or raw == "":
            raise errors.InvalidJson("Request body is required")
        try:
            data = base64.b64decode(raw, validate=True) if self.event.get("isBase64Encoded") else raw.encode()
        except (binascii.Error, ValueError):
            raise errors.InvalidJson() from None
        if len(data) > MAX_BODY_BYTES:
            raise errors.PayloadTooLarge(f"Request body must be at most {MAX_BODY_BYTES} bytes")
        media_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise errors.UnsupportedMediaType()
        try:
            parsed = jsonio.loads(data)
        except (ValueError, RecursionError):  # UnicodeDecodeError and UnicodeEncodeError are ValueErrors
            raise errors.InvalidJson() from None
        if not isinstance(parsed, dict):
            raise errors.InvalidJson("Request body must be a JSON object")
        return parsed


def _authenticate(headers: dict[str, str], role: str) -> tokens.Caller:
    header = headers.get("authorization")
    if header is None:
        raise errors.Unauthorized("Missing bearer token")
    match = BEARER.match(header)
    if match is None:
        raise errors.Unauthorized("Malformed Authorization header")
    from . import tokens  # PyJWT: only routes that authenticate load it

    caller = tokens.verify(match.group(1))
    if role == "admin":
        # Imported here so that functions without admin routes never load the
        # repository (and boto3) just for this check.
        from .repository import repository
        from .services.access import is_admin

        if not is_admin(repository(), caller):
            raise errors.Forbidden("Admin role required")
    return caller


def _cors_headers(origin: str | None) -> dict[str, str]:
    if origin and origin.rstrip("/") in config.settings().cors_allowed_origins:
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSED_HEADERS}
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
    from .repository import repository
    from .services import throttle

    source_ip = (context_info.get("identity") or {}).get("sourceIp") or "unknown"
    throttle.limit_source(repository(), action, source_ip)


def endpoint(
    auth: str | None = None, rate_limit: str | None = None
) -> Callable[[Callable[[Request], Reply]], Callable[..., dict[str, Any]]]:
    """Wrap `fn(request) -> Reply` as a Lambda handler. `auth` is None, "user" or "admin";
    `rate_limit` names a per-source-address limit ("login", "register")."""

    def decorate(fn: Callable[[Request], Reply]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(fn)
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return _handle(fn, auth, event, context, rate_limit)

        return handler

    return decorate


def _handle(
    fn: Callable[[Request], Reply], auth: str | None, event: dict[str, Any], context: Any, rate_limit: str | None = None
) -> dict[str, Any]:
    global _cold_start
    started = time.perf_counter()
    cold, _cold_start = _cold_start, False
    context_info = event.get("requestContext") or {}
    request_id = context_info.get("requestId") or str(uuid.uuid4())
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    origin = headers.get("origin")
    method = event.get("httpMethod", "")
    log: dict[str, Any] = {
        "requestId": request_id,
        "function": getattr(context, "function_name", None),
        "method": method,
        "route": event.get("resource"),
        "coldStart": cold,
    }
    cors: dict[str, str] = {}
    try:
        cors = _cors_headers(origin)
        if method == "OPTIONS":
            reply = _preflight(cors)
        else:
            request = Request(event, headers)
            if rate_limit is not None:
                _limit_source(rate_limit, context_info)
            if auth is not None:
                request.caller = _authenticate(headers, auth)
                log["userId"] = request.caller.user_id
            reply = fn(request)
    except errors.DomainError as error:
        reply = error_reply(error)
        log["errorCode"] = reply.payload["code"]
    except Exception as error:  # the one catch-all: anything unforeseen is a generic 500
        reply = ErrorReply(500, INTERNAL_ERROR, {})
        log.update(errorType=type(error).__name__, errorAt=_where(error))
    log["status"] = reply.status
    log["durationMs"] = round((time.perf_counter() - started) * 1000, 2)
    if reply.status >= 500:
        logger.error("request failed", extra=log)
    else:
        logger.info("request", extra=log)
    return _response(reply, request_id, cors)
