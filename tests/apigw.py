"""One event factory for every test that goes through the real handlers.

`invoke("GET", "/products/abc", token=...)` routes the way serverless.yml routes
(specific method first, then ANY), builds an API Gateway REST proxy event and calls
the real Lambda handler, like API Gateway would.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from devtools import serverless_config
from devtools.local_server import LambdaContext, import_handler

ROUTES = serverless_config.routes()


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


def invoke(method: str, path: str, **kwargs: Any) -> Result:
    event, route = make_event(method, path, **kwargs)
    response = import_handler(route.handler)(event, LambdaContext(route.function, event["requestContext"]["requestId"]))
    return Result(response["statusCode"], response["headers"], response["body"])
