"""What a request carries: its headers, path and query parameters, and its JSON body,
parsed and validated against the operation's marshmallow schemas."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

from . import errors, jsonio

# What an id in a path may be (limits.PATH_ID): RFC 3986's unreserved characters, far below
# DynamoDB's 2,048-byte key limit once prefixed. The ids this API makes are UUIDs.
from .limits import MAX_PATH_ID as MAX_PATH_ID
from .limits import PATH_ID as PATH_ID

if TYPE_CHECKING:  # imported where used, so that a cold start only pays for what its route needs
    from marshmallow import Schema

    from . import tokens

MAX_BODY_BYTES = 64 * 1024
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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
        loaded: dict[str, Any] = schema.load(data)
        return loaded
    except ValidationError as error:
        raise errors.ValidationFailed(details=flatten_messages(error.messages)) from None


class Request:
    """One API Gateway event, as the handler sees it. `data` and `params` hold the body and
    the query string once the edge has validated them against the operation's schemas."""

    def __init__(self, event: dict[str, Any], headers: dict[str, str]):
        self.event = event
        self.headers = headers
        self.path_params: dict[str, str] = event.get("pathParameters") or {}
        self.query: dict[str, str] = event.get("queryStringParameters") or {}
        self.caller: tokens.Caller | None = None
        self.data: dict[str, Any] = {}
        self.params: dict[str, Any] = {}

    @property
    def user(self) -> tokens.Caller:
        if self.caller is None:  # an endpoint without auth asked for a user: a wiring bug
            raise RuntimeError("endpoint is not authenticated")
        return self.caller

    @property
    def source_ip(self) -> str:
        """The client's address as API Gateway saw it (never a header the client can set)."""
        identity = (self.event.get("requestContext") or {}).get("identity") or {}
        return identity.get("sourceIp") or "unknown"

    def path(self, name: str) -> str:
        return self.path_params.get(name, "")

    def invalid_path_ids(self) -> set[str]:
        """The path parameters no record's id can be (see PATH_ID)."""
        return {k for k, v in self.path_params.items() if not (isinstance(v, str) and PATH_ID.fullmatch(v))}

    def idempotency_key(self) -> str | None:
        key = self.headers.get("idempotency-key")
        if key is None:
            return None
        if not IDEMPOTENCY_KEY.match(key):
            raise errors.ValidationFailed(
                details={"Idempotency-Key": ["Must be 1 to 64 characters of A-Z a-z 0-9 _ -."]}
            )
        return key

    def raw_body(self) -> bytes:
        """The body's bytes exactly as sent (a webhook signature covers them), at most 64 KiB."""
        raw = self.event.get("body")
        if raw is None or raw == "":
            raise errors.InvalidJson("Request body is required")
        try:
            data = base64.b64decode(raw, validate=True) if self.event.get("isBase64Encoded") else raw.encode()
        except (binascii.Error, ValueError):
            raise errors.InvalidJson() from None
        if len(data) > MAX_BODY_BYTES:
            raise errors.PayloadTooLarge(f"Request body must be at most {MAX_BODY_BYTES} bytes")
        return data

    def json_object(self) -> dict[str, Any]:
        data = self.raw_body()
        media_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise errors.UnsupportedMediaType()
        try:
            parsed = jsonio.loads(data)
        except jsonio.DuplicateKey as duplicate:
            raise errors.InvalidJson(str(duplicate)) from None
        except (ValueError, RecursionError):  # UnicodeDecodeError and UnicodeEncodeError are ValueErrors
            raise errors.InvalidJson() from None
        if not isinstance(parsed, dict):
            raise errors.InvalidJson("Request body must be a JSON object")
        return parsed
