"""The API gateway of the local server, and its one-process mode.

Each HTTP request becomes an API Gateway REST proxy event (v1), is routed the way
serverless.yml routes it, and is handled by the same Lambda handler that runs on AWS;
the handler's result becomes the HTTP response. `LocalGateway` is that WSGI app: `make run`
(devtools.runner) serves it from several gunicorn workers; `python -m devtools.local_server`
serves it from this one process on werkzeug, with DynamoDB in moto in this process (or the
endpoint named by DYNAMODB_ENDPOINT_URL): the mode the black-box tests, the contract suites
and the load runs start (devtools.server_process).
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

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from . import docs_site, local_routes, serverless_config
from .serverless_config import Route

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024  # what API Gateway accepts before the Lambda sees anything
WEB_PORT_DEFAULT = "5173"
# Fixed names of the local resources (the deploy names them per stage). Each is a default:
# a variable already set wins.
LOCAL_DEFAULTS = {
    "TABLE_NAME": "shop-api-local",
    "BCRYPT_ROUNDS": "10",
    "LOG_LEVEL": "INFO",
    "MEDIA_BUCKET": "shop-api-local-media",
    "SEARCH_BUCKET": "shop-api-local-search",
    # The search functions look at the index's pointer this often (AWS: 5 s), so a product
    # change is found within a second of the search-index job publishing it (docs/SEARCH.md).
    "SEARCH_POINTER_SECONDS": "0.25",
    "EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:shop-api-local-events",
    # The order events path (devtools/local_jobs/order_events.py, docs/EVENTS.md).
    "ORDER_EMAILS_QUEUE": "shop-api-local-order-emails",
    "ORDER_EVENTS_DLQ": "shop-api-local-order-events-dlq",
    "SES_SENDER_ADDRESS": "orders@shop.example",
}
# What every process of the local server gets so that boto3 needs no account.
DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # a placeholder the local endpoints accept, not a secret
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def default_origins(host: str, port: int, web_port: int) -> str:
    """The server's own origins (on whatever PORT) and the storefront's."""
    names = ["127.0.0.1", "localhost"] + ([host] if host not in ("127.0.0.1", "localhost", "0.0.0.0") else [])  # noqa: S104  # nosec B104
    return ",".join([f"http://{name}:{port}" for name in names] + [f"http://{name}:{web_port}" for name in names])


def error_envelope(status: int) -> bytes:
    from shop.jsonio import dumps

    code = {400: "BAD_REQUEST", 404: "NOT_FOUND", 408: "REQUEST_TIMEOUT", 413: "PAYLOAD_TOO_LARGE", 414: "URI_TOO_LONG"}
    code |= {431: "HEADERS_TOO_LARGE", 501: "NOT_IMPLEMENTED", 505: "HTTP_VERSION_NOT_SUPPORTED"}
    message = {400: "Bad request", 414: "Request URI too long", 431: "Request header fields too large"}
    text = message.get(status, "Bad request" if status < 500 else "Server error")
    return dumps(
        {"success": False, "error": text, "code": code.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR")}
    ).encode()


def log_http_error(status: int, error: str) -> None:
    """One JSON line for a request the HTTP server refused before the gateway saw it: the
    status and the kind of error, never the request line or a header (they may hold tokens)."""
    import json

    print(
        json.dumps(
            {"level": "WARNING", "logger": "http", "message": "request refused", "status": status, "error": error}
        ),
        flush=True,
    )


class EnvelopeRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with its own errors (a garbage request line, too long a line or too
    many headers) in the API's envelope with the security headers, and its logging in JSON
    without the request line."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        from shop.edge import SECURITY_HEADERS

        log_http_error(code, "invalid HTTP request")
        body = error_envelope(code)
        self.close_connection = True
        self.request_version = "HTTP/1.1"  # an unparsed line reads as HTTP/0.9, which has no status line
        try:
            self.send_response_only(code)  # no log_request: it would echo the request line
            for name, value in {
                **SECURITY_HEADERS,
                "Content-Type": "application/json",
                "X-Request-Id": str(uuid.uuid4()),
            }.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return  # each request already logs one JSON line (the edge)

    def log_error(self, format: str, *args: Any) -> None:
        return  # send_error logs its own JSON line

    def log_message(self, format: str, *args: Any) -> None:
        return


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
        local = local_routes.dispatch(request)  # src/devtools/local_routes: local only
        if local is not None:
            return local
        docs = docs_site.respond(request)  # GET /, /openapi.json and /docs: local only
        if docs is not None:
            return docs
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


def configure_environment(secret_file: Any = None) -> list[str]:
    """Fill in local defaults; returns notes worth printing. Without JWT_SECRET, one is
    generated: kept in `secret_file` (a pathlib.Path, mode 0600) when given, so that tokens
    outlive a restart, else for this run only."""
    notes = []
    for name, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(name, value)
    host = os.environ.setdefault("HOST", "127.0.0.1")
    port = int(os.environ.setdefault("PORT", "3000"))
    web_port = int(os.environ.setdefault("WEB_PORT", WEB_PORT_DEFAULT))
    os.environ.setdefault("CORS_ALLOWED_ORIGINS", default_origins(host, port, web_port))
    own = os.environ.setdefault("LOCAL_API_URL", f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")  # noqa: S104  # nosec B104
    # Product images: S3's form endpoint and the CDN are played by the API's own address
    # (devtools/local_routes/media.py), in every worker.
    os.environ.setdefault("MEDIA_BASE_URL", own + "/media")
    os.environ.setdefault("MEDIA_UPLOAD_ENDPOINT", own + "/_local/s3")
    os.environ.update(serverless_config.function_environment())
    if not os.environ.get("JWT_SECRET"):
        if secret_file is not None:
            if not secret_file.exists():
                secret_file.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
            os.environ["JWT_SECRET"] = secret_file.read_text().strip()
        else:
            os.environ["JWT_SECRET"] = secrets.token_urlsafe(48)
            notes.append(
                "JWT_SECRET was not set: generated a random one; its tokens stop working when the server stops."
            )
    return notes


def prepare_table() -> Any:
    import boto3

    if not os.environ.get("DYNAMODB_ENDPOINT_URL"):
        from . import embedded_dynamodb

        embedded_dynamodb.start()
    client = boto3.client("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
    serverless_config.create_table(client, os.environ["TABLE_NAME"])
    return client


def seed_and_load(client: Any, notes: list[str]) -> str | None:
    """Demo data (SEED=0: none) and the bulk data of VOLUME_*; returns the admin's line."""
    from shop import config

    config.reset()
    config.settings()
    config.signing_secrets()  # a bad secret stops the start-up here, not at the first request
    admin_line = None
    if os.environ.get("SEED", "1") != "0":
        from . import seed

        admin = seed.seed_demo_data()
        if admin.products:
            notes.append(f"Seeded {admin.products} demo products.")
        admin_line = admin.line()
    from . import bulk_seed

    volume = bulk_seed.seed_from_environment(client, os.environ["TABLE_NAME"])
    if volume is not None:
        notes.append(volume.line())
    return admin_line


def route_lines(routes: Iterable[Route]) -> list[str]:
    return [f"  {route.method:<7}{route.path:<22}-> {route.function}" for route in routes if route.method != "ANY"]


def main() -> int:
    """The one-process mode: werkzeug's threaded server, embedded moto (or DYNAMODB_ENDPOINT_URL),
    a moto server for the other AWS services, the background jobs in threads."""
    notes = configure_environment()
    for name, value in DUMMY_AWS.items():
        os.environ.setdefault(name, value)
    from . import aws_endpoint, local_jobs

    aws = aws_endpoint.LocalAwsEndpoint()
    aws_url = aws.start()
    os.environ.update(
        {k: v for k, v in aws_endpoint.environment(aws_url, None).items() if k.startswith("AWS_ENDPOINT_URL_")}
    )
    client = prepare_table()
    admin_line = seed_and_load(client, notes)
    jobs = local_jobs.discover()
    local_jobs.setup_all(jobs)
    stop_jobs = threading.Event()
    local_jobs.start_threads(jobs, stop_jobs)

    host = os.environ["HOST"]
    port = int(os.environ["PORT"])
    gateway = LocalGateway(serverless_config.routes())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # each request already logs one JSON line
    server = LocalHttpServer(host, port, gateway, handler=EnvelopeRequestHandler)
    server.daemon_threads = True

    backend = os.environ.get("DYNAMODB_ENDPOINT_URL") or "embedded moto (in-process)"
    print(f"Shop API on http://{host}:{server.server_port}  (table {os.environ['TABLE_NAME']} on {backend})")
    print("\n".join(route_lines(gateway.routes)))
    print(f"  API docs on http://{host}:{server.server_port}/docs (spec: /openapi.json)")
    print(f"Local AWS endpoint (S3, SNS, SQS, SES): {aws_url}")
    if jobs:
        print("Background jobs: " + ", ".join(job.NAME for job in jobs))
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
        stop_jobs.set()
        server.server_close()
        aws.stop()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
