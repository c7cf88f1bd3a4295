"""Faults between the local server's functions and their AWS endpoints, for the soak (make soak).

A small HTTP proxy sits in front of one endpoint (DynamoDB Local, or the local moto server for
SNS, SQS or SES) and follows a schedule, a JSON file the soak rewrites while it runs:

    {"faults": [{"target": "dynamodb", "kind": "lost", "rate": 0.05, "start": 1.7e9, "end": 1.7e9,
                 "operations": ["UpdateItem", "TransactWriteItems"]}]}

`kind` is what AWS does on a bad day:

- `throttle`: a 400 throttling error, the request never reaches the table;
- `error`: a 500, the request never reaches it either;
- `timeout`: the request waits `seconds` before it is delivered (the client may give up first,
  and the write still lands: the answer is lost to a client that timed out);
- `lost`: the request is delivered and applied, then the connection drops without the answer.

Every injected fault is appended to a JSON-lines log, so the audit can tell a 503 the shop
answered during an injected fault from one it had no reason for. devtools only: nothing here is
packaged, and without FAULT_SCHEDULE the runner starts no proxy at all.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

KINDS = ("throttle", "error", "timeout", "lost", "slow")  # slow: the payment provider's (provider_faults)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


class Schedule:
    """The fault windows of one file, read again whenever the file changes."""

    def __init__(self, path: Path, rng: random.Random | None = None):
        self.path = path
        self._rng = rng or random.Random()  # noqa: S311  # nosec B311  # fault sampling, not security
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._faults: list[dict[str, Any]] = []

    def _current(self) -> list[dict[str, Any]]:
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            return []
        with self._lock:
            if stamp != self._stamp:
                with contextlib.suppress(ValueError, OSError):
                    faults = json.loads(self.path.read_text()).get("faults", [])
                    self._faults = [fault for fault in faults if fault.get("kind") in KINDS]
                    self._stamp = stamp
            return self._faults

    def pick(self, target: str, operation: str, now: float | None = None) -> dict[str, Any] | None:
        """The fault this request meets, if any (each matching window draws on its own rate)."""
        now = time.time() if now is None else now
        for fault in self._current():
            if fault.get("target") != target or not fault.get("start", 0) <= now < fault.get("end", float("inf")):
                continue
            operations = fault.get("operations")
            if operations and operation not in operations:
                continue
            with self._lock:
                if self._rng.random() < float(fault.get("rate", 1.0)):
                    return fault
        return None


def operation_of(headers: Any, body: bytes) -> str:
    """The AWS operation a request calls: from X-Amz-Target (JSON protocols: DynamoDB, SQS) or
    the form's Action (query protocols: SNS, SES)."""
    target = headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    if body and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        return parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    return ""


def _error_body(target: str, status: int) -> tuple[str, bytes]:
    if target == "dynamodb":
        code = "ThrottlingException" if status == 400 else "InternalServerError"
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": f"{code} (injected)"}
        return "application/x-amz-json-1.0", json.dumps(body).encode()
    code = "Throttling" if status == 400 else "InternalFailure"
    error = f"<Error><Type>Receiver</Type><Code>{code}</Code><Message>injected</Message></Error>"
    xml = f"<ErrorResponse>{error}</ErrorResponse>"
    return "text/xml", xml.encode()


class FaultProxy:
    """One proxy: `url` answers as `upstream` does, but for the faults the schedule asks for."""

    def __init__(self, target: str, upstream: str, schedule: Schedule, log_path: Path):
        self.target, self.schedule, self.log_path = target, schedule, log_path
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._log_lock = threading.Lock()
        self._local = threading.local()
        self.injected: dict[str, int] = dict.fromkeys(KINDS, 0)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        threading.Thread(target=self._server.serve_forever, name=f"faults-{self.target}", daemon=True).start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, kind: str, operation: str) -> None:
        line = json.dumps({"at": time.time(), "target": self.target, "kind": kind, "operation": operation})
        with self._log_lock:
            self.injected[kind] += 1
            with self.log_path.open("a") as log:
                log.write(line + "\n")

    def _deliver(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = getattr(self._local, "connection", None)
        for attempt in (1, 2):  # a kept-alive upstream connection may have been closed meanwhile
            if connection is None:
                connection = http.client.HTTPConnection(*self._upstream, timeout=120)
                self._local.connection = connection
            try:
                forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
                connection.request(method, path, body=body, headers=forwarded)
                answer = connection.getresponse()
                return answer.status, answer.getheaders(), answer.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = self._local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:  # one line per request would drown the soak's output
                pass

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response_only(status)
                for name, value in headers:
                    if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _proxy(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = operation_of(self.headers, body)
                # only AWS API calls meet faults (not moto's own /moto-api/ reads, say)
                fault = proxy.schedule.pick(proxy.target, operation) if operation else None
                kind = fault["kind"] if fault else None
                if kind in ("throttle", "error"):
                    proxy._record(kind, operation)
                    status = 400 if kind == "throttle" else 500
                    content_type, payload = _error_body(proxy.target, status)
                    self._answer(status, [("Content-Type", content_type)], payload)
                    return
                if kind == "timeout":
                    proxy._record(kind, operation)
                    time.sleep(float(fault.get("seconds", 5)))  # type: ignore[union-attr]
                try:
                    status, headers, payload = proxy._deliver(self.command, self.path, self.headers, body)
                except (OSError, http.client.HTTPException):
                    kind = "unreachable"  # the endpoint itself cut us off: the caller sees that too
                if kind in ("lost", "unreachable"):
                    if kind == "lost":
                        proxy._record(kind, operation)
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)  # applied upstream; the caller never hears of it
                    return
                self._answer(status, headers, payload)

            do_GET = do_POST = do_PUT = do_DELETE = _proxy

        return Handler


def start_all(schedule_path: Path, upstreams: dict[str, str], log_path: Path) -> dict[str, FaultProxy]:
    """A proxy per target (`dynamodb`, `sns`, `sqs`, `ses`), all on one schedule and one log."""
    schedule = Schedule(schedule_path)
    proxies = {target: FaultProxy(target, url, schedule, log_path) for target, url in upstreams.items()}
    for proxy in proxies.values():
        proxy.start()
    return proxies


def wrap_environment(aws_url: str, dynamodb_url: str, folder: Path) -> dict[str, str]:
    """With FAULT_SCHEDULE set (make soak), the endpoint variables the functions and jobs get,
    pointed at proxies in front of DynamoDB, SNS, SQS and SES; without it, nothing. The runner's own
    calls (the table's creation, the seed) keep the direct endpoints. Injected faults are logged to
    FAULT_LOG (default: faults.jsonl in the data folder)."""
    import os

    schedule = os.environ.get("FAULT_SCHEDULE")
    if not schedule:
        return {}
    log_path = Path(os.environ.get("FAULT_LOG") or folder / "faults.jsonl")
    upstreams = {"dynamodb": dynamodb_url, "sns": aws_url, "sqs": aws_url, "ses": aws_url}
    proxies = start_all(Path(schedule), upstreams, log_path)
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": proxies["dynamodb"].url,
        "DYNAMODB_ENDPOINT_URL": proxies["dynamodb"].url,
        **{f"AWS_ENDPOINT_URL_{target.upper()}": proxies[target].url for target in ("sns", "sqs", "ses")},
    }
