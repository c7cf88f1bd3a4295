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
import logging
import os
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
from .lambda_runtime import LambdaContext, import_handler
from .local_env import DUMMY_AWS, configure_environment, prepare_table, seed_and_load
from .serverless_config import Route

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024  # what API Gateway accepts before the Lambda sees anything


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


def route_lines(routes: Iterable[Route]) -> list[str]:
    """The route table, its columns as wide as the longest method and path."""
    shown = [route for route in routes if route.method != "ANY"]
    width = max((len(route.path) for route in shown), default=0) + 2
    return [f"  {route.method:<7}{route.path:<{width}}-> {route.function}" for route in shown]


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
