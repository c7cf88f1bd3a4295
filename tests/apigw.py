"""One event factory for every test that goes through the real handlers.

`invoke("GET", "/products/abc", token=...)` routes the way serverless.yml routes
(specific method first, then ANY), builds an API Gateway REST proxy event and calls
the real Lambda handler, like API Gateway would. `invoke_function("expiry", event)` calls
any function of serverless.yml with any event (a schedule, a stream batch, a queue message).

Both run the handler as that function: with a Lambda context that has the function's
timeout from serverless.yml, and, under IAM enforcement (tests/iam.py), with exactly the
policy of its role. Invoke every function through one of these two, never by importing
its handler, or the IAM-enforced run cannot see it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from devtools import serverless_config
from devtools.lambda_runtime import LambdaContext, import_handler
from tests import iam

ROUTES = serverless_config.routes()
FUNCTIONS = serverless_config.load()["functions"]
DEFAULT_TIMEOUT = serverless_config.load()["provider"].get("timeout", 6)


def timeout_of(function: str) -> int:
    return int(FUNCTIONS[function].get("timeout", DEFAULT_TIMEOUT))


@dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def data(self) -> Any:
        return self.json["data"]

    @property
    def code(self) -> str | None:
        return self.json.get("code")


def route_for(method: str, path: str):
    candidates = [(route, m) for route in ROUTES if (m := route.pattern.match(path))]
    for wanted in (method, "ANY"):
        for route, match in candidates:
            if route.method == wanted:
                return route, match.groupdict()
    raise LookupError(f"no route for {method} {path}")


def make_event(
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
    source_ip: str = "203.0.113.7",
) -> tuple[dict[str, Any], Any]:
    route, params = route_for(method, path)
    all_headers = {"Content-Type": "application/json"} if body is not None or raw_body is not None else {}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers or {})
    request_id = str(uuid.uuid4())
    event = {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers or None,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()} or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": method,
            "requestId": request_id,
            "stage": "test",
            "identity": {"sourceIp": source_ip},
        },
        "body": raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
        "isBase64Encoded": False,
    }
    return event, route


def invoke_function(function: str, event: dict[str, Any], context: Any = None) -> Any:
    """Call `function`'s handler with `event`, as Lambda would; returns what the handler returns."""
    handler = import_handler(FUNCTIONS[function]["handler"])
    context = context or LambdaContext(function, str(uuid.uuid4()), timeout_s=timeout_of(function))
    with iam.acting_as(function):
        return handler(event, context)


def invoke(method: str, path: str, context: Any = None, **kwargs: Any) -> Result:
    event, route = make_event(method, path, **kwargs)
    context = context or LambdaContext(
        route.function, event["requestContext"]["requestId"], timeout_s=timeout_of(route.function)
    )
    response = invoke_function(route.function, event, context)
    return Result(response["statusCode"], response["headers"], response["body"])
