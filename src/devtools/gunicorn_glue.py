"""The worker and logger classes `make run` gives gunicorn (devtools.runner).

gunicorn's master process loads these; everything else (the gateway, the handlers, the
shop package) is imported by the workers only, after the fork, so a reload (SIGHUP: new
workers, old ones finish their requests and stop) runs the new code. The master imports the
third-party libraries up front (they do not change when src/ does), so a new worker only
imports the project's own modules: about a third of the import time.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import time
import uuid
from typing import Any

from gunicorn.glogging import Logger
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker

for _library in (
    "boto3",
    "botocore.session",
    "werkzeug.serving",
    "werkzeug.wrappers",
    "aws_lambda_powertools",
    "aws_lambda_powertools.logging",
    "marshmallow",
    "jwt",
    "bcrypt",
    "yaml",
    "apispec",
    "apispec.ext.marshmallow",
):
    with contextlib.suppress(ImportError):
        importlib.import_module(_library)

_STATUS = {
    http_errors.LimitRequestLine: 414,
    http_errors.LimitRequestHeaders: 431,
    http_errors.ForbiddenProxyRequest: 403,
    http_errors.UnsupportedTransferCoding: 501,
}
_REASON = {400: "Bad Request", 403: "Forbidden", 414: "URI Too Long", 431: "Request Header Fields Too Large"}
_REASON |= {500: "Internal Server Error", 501: "Not Implemented"}
_SERVERS_FAULT = (
    http_errors.InvalidResponseHeader,
    http_errors.InvalidResponseHeaderName,
    http_errors.ConfigurationProblem,
)


class EnvelopeWorker(ThreadWorker):
    """gunicorn's gthread worker (a thread pool, keep-alive connections) whose own error
    responses are the API's envelope with the security headers, logged as one JSON line
    without the request line. With LOCAL_PROFILE_DIR set, every request it serves is
    profiled and the worker writes api-worker-<pid>.pstats there when it stops
    (devtools.profiling)."""

    def init_process(self) -> None:
        from devtools import profiling

        self.profile = profiling.collector("api-worker")
        super().init_process()

    def handle_request(self, req: Any, conn: Any) -> Any:
        if self.profile is None:
            return super().handle_request(req, conn)
        return self.profile.call(super().handle_request, req, conn)

    def run(self) -> None:
        try:
            super().run()
        finally:
            if self.profile is not None:
                self.profile.dump()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        from devtools.local_server import error_envelope, log_http_error
        from shop.edge import SECURITY_HEADERS

        client_error = isinstance(exc, http_errors.ParseException) and not isinstance(exc, _SERVERS_FAULT)
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400) if client_error else 500
        log_http_error(status, type(exc).__name__)
        body = error_envelope(status)
        headers = {**SECURITY_HEADERS, "Content-Type": "application/json", "X-Request-Id": str(uuid.uuid4())}
        headers |= {"Content-Length": str(len(body)), "Connection": "close"}
        head = f"HTTP/1.1 {status} {_REASON.get(status, 'Error')}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        with contextlib.suppress(OSError):  # the client is gone
            client.sendall(head.encode("latin-1") + b"\r\n" + body)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": "gunicorn",
            "pid": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__  # the type only: a message may hold data
        return json.dumps(line)


class JsonLogger(Logger):
    """gunicorn's logger writing JSON lines (its access log stays off: the edge logs each request)."""

    def _set_handler(self, log: logging.Logger, output: Any, fmt: Any, stream: Any = None) -> None:
        super()._set_handler(log, output, _JsonFormatter(), stream)
