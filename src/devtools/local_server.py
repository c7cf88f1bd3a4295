"""The API on http://127.0.0.1:3000, without a cloud account.

Each HTTP request becomes an API Gateway REST proxy event (v1), is routed the way
serverless.yml routes it, and is handled by the same Lambda handler that runs on AWS;
the handler's result becomes the HTTP response. DynamoDB is moto in this process,
or any DynamoDB-compatible endpoint named by DYNAMODB_ENDPOINT_URL.
"""

from __future__ import annotations

import base64
import importlib
import logging
import os
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import ThreadedWSGIServer
from werkzeug.wrappers import Request, Response

from . import docs_site, local_plugins, serverless_config
from .serverless_config import Route

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024  # what API Gateway accepts before the Lambda sees anything
LOCAL_DEFAULTS = {
    "TABLE_NAME": "shop-api-local",
    "CORS_ALLOWED_ORIGINS": "http://localhost:3000,http://127.0.0.1:3000",
    "BCRYPT_ROUNDS": "10",
    "LOG_LEVEL": "INFO",
}


class LocalHttpServer(ThreadedWSGIServer):
    """Werkzeug's threaded server with a deeper accept queue: a spike of hundreds of clients
    connecting at once overflows the default 128 and they see connection resets."""

    request_queue_size = 1024


class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, request_id: str, timeout_s: int = 10):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def import_handler(handler: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """`src/shop/handlers/get_product.handler` -> shop.handlers.get_product:handler.

    src/ is the code root here, as the zip root is on Lambda."""
    module_path, _, function = handler.rpartition(".")
    module = module_path.removeprefix("src/").replace("/", ".")
    return getattr(importlib.import_module(module), function)


def _gateway_error(status: int, message: str, code: str) -> Response:
    """What API Gateway itself answers (see the GatewayResponses in serverless.yml)."""
    from shop.edge import SECURITY_HEADERS
    from shop.jsonio import dumps

    response = Response(dumps({"success": False, "error": message, "code": code}), status, mimetype="application/json")
    response.headers.update(SECURITY_HEADERS)
    response.headers["X-Request-Id"] = str(uuid.uuid4())
    return response


class LocalGateway:
    """A WSGI app that plays API Gateway's REST proxy integration."""

    def __init__(self, routes: Iterable[Route]):
        self.routes = list(routes)
        self._handlers: dict[str, Callable[..., dict[str, Any]]] = {}
        self._import_lock = threading.Lock()
        self.local_routes = local_plugins.route_modules()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        candidates = [(route, m) for route in self.routes if (m := route.pattern.match(path))]
        for wanted in (method, "ANY"):
            for route, found in candidates:
                if route.method == wanted:
                    return route, found.groupdict()
        return None

    def handler_for(self, route: Route) -> Callable[..., dict[str, Any]]:
        with self._import_lock:
            if route.handler not in self._handlers:
                self._handlers[route.handler] = import_handler(route.handler)
            return self._handlers[route.handler]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        docs = docs_site.respond(request)  # GET /openapi.json and /docs: local only
        if docs is not None:
            return docs
        local = local_plugins.respond(request, self.local_routes)  # /_local/..., /media/...: local only
        if local is not None:
            return local
        matched = self.match(request.method, request.path)
        if matched is None:
            return _gateway_error(404, "Route not found", "NOT_FOUND")
        if (request.content_length or 0) > API_GATEWAY_MAX_BODY:
            return _gateway_error(413, "Request too large", "PAYLOAD_TOO_LARGE")
        route, path_params = matched
        body = request.get_data(cache=False)[: API_GATEWAY_MAX_BODY + 1]
        request_id = str(uuid.uuid4())
        event = build_event(request, route, path_params, body, request_id)
        result = self.handler_for(route)(event, LambdaContext(route.function, request_id))
        return to_response(result)


def build_event(
    request: Request, route: Route, path_params: dict[str, str], body: bytes, request_id: str
) -> dict[str, Any]:
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode(), True
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": request.path,
            "requestId": request_id,
            "stage": "local",
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "identity": {"sourceIp": request.remote_addr, "userAgent": request.headers.get("User-Agent")},
            "accountId": "000000000000",
            "apiId": "local",
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64,
    }


def to_response(result: dict[str, Any]) -> Response:
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(payload, status=result.get("statusCode", 200))
    response.headers.clear()
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = value
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, value)
    return response


def configure_environment() -> list[str]:
    """Fill in local defaults; returns notes worth printing."""
    notes = []
    for name, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(name, value)
    # Product images: S3's form endpoint and the CDN are played by this server (local_routes/media.py).
    own = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '3000')}"
    os.environ.setdefault("MEDIA_BUCKET", "shop-api-local-media")
    os.environ.setdefault("MEDIA_BASE_URL", own + "/media")
    os.environ.setdefault("MEDIA_UPLOAD_ENDPOINT", own + "/_local/s3")
    os.environ.update(serverless_config.function_environment())
    if not os.environ.get("JWT_SECRET"):
        os.environ["JWT_SECRET"] = secrets.token_urlsafe(48)
        notes.append("JWT_SECRET was not set: generated a random one; its tokens stop working when the server stops.")
    return notes


def prepare_table() -> Any:
    import boto3

    from . import embedded_dynamodb

    if os.environ.get("DYNAMODB_ENDPOINT_URL"):
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        if not os.environ.get("AWS_ENDPOINT_URL_S3"):
            # S3 and SQS (product images) from moto in this process; calls to the DynamoDB
            # endpoint named above match none of moto's AWS hosts and go through to it.
            embedded_dynamodb.start()
    else:
        embedded_dynamodb.start()
    client = boto3.client("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
    serverless_config.create_table(client, os.environ["TABLE_NAME"])
    return client


def main() -> int:
    notes = configure_environment()
    client = prepare_table()
    from shop import config

    config.reset()
    config.settings()
    config.signing_secrets()  # a bad secret stops the start-up here, not at the first request

    admin_line = None
    if os.environ.get("SEED", "1") != "0":
        from . import seed

        admin_email, admin_password, count = seed.seed_demo_data()
        notes.append(f"Seeded {count} demo products.")
        admin_line = f"Demo admin: {admin_email} / {admin_password}"
    from . import bulk_seed

    volume = bulk_seed.seed_from_environment(client, os.environ["TABLE_NAME"])
    if volume is not None:
        notes.append(volume.line())

    jobs_stop = threading.Event()
    jobs = local_plugins.start_jobs(jobs_stop)
    if jobs:
        notes.append(f"Background jobs: {', '.join(jobs)}.")
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "3000"))
    gateway = LocalGateway(serverless_config.routes())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # each request already logs one JSON line
    server = LocalHttpServer(host, port, gateway)
    server.daemon_threads = True

    backend = os.environ.get("DYNAMODB_ENDPOINT_URL") or "embedded moto (in-process)"
    print(f"Shop API on http://{host}:{server.server_port}  (table {os.environ['TABLE_NAME']} on {backend})")
    for route in gateway.routes:
        if route.method != "ANY":
            print(f"  {route.method:<7}{route.path:<22}-> {route.function}")
    print(f"  API docs on http://{host}:{server.server_port}/docs (spec: /openapi.json)")
    for note in notes:
        print(note)
    if admin_line:
        print(admin_line)
    print("Ctrl-C stops the server.", flush=True)

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C must stop the server even when started from a shell that ignores SIGINT
    # for background jobs (Python would then never raise KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        jobs_stop.set()
        server.server_close()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
