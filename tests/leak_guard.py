"""A pytest plugin that fails the session if a secret the tests used ever reached a log.

It learns the secrets from the suite's own traffic and crypto:
  - every password bcrypt hashed or checked, and every hash it produced;
  - every JWT that `jwt.encode` signed, and the JWT secrets in the environment;
  - every password-reset token the service hashed (issued or presented);
  - request bodies' passwords and Authorization values sent through tests.apigw.invoke
    or requests (the black-box suite), and tokens in their responses.
It captures every log line emitted during the whole session: all records reaching the
root logger (the shop-api logger propagates there), each test's captured stdout and
stderr (where the handlers' JSON log lines are printed), and files registered with
`watch_file` (the local server's output). At the end it fails the session if any line
holds a learned secret, anything shaped like a JWT or a bcrypt hash, or an unmasked
email address (emails in logs must look like a***@example.com).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import pathlib
import re
from typing import Any

import pytest

MIN_SECRET_CHARS = 8
JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
BCRYPT_SHAPE = re.compile(r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}")
EMAIL = re.compile(r"[A-Za-z0-9._%+*-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
MASKED_EMAIL = re.compile(r"^[^@*]?\*\*\*@")
# The one line allowed to show a password: `make run` prints the demo admin's login on
# purpose, for the developer at the terminal. It is devtools output, not a handler log.
ALLOWED_LINES = (re.compile(r"^(?:│ )?Demo admin: "),)  # in the banner's box, or alone (local_server)


class LeakGuard:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}  # value -> what it is
        self.lines: list[tuple[str, str]] = []  # (where, line)
        self.files: list[tuple[str, pathlib.Path]] = []
        self.where = "session"
        self.exempt: set[str] = set()
        self._undo: list[tuple[Any, str, Any]] = []

    # -- learning -------------------------------------------------------------------
    def learn(self, value: Any, kind: str) -> None:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and len(value) >= MIN_SECRET_CHARS:
            self.secrets.setdefault(value, kind)

    def learn_request(self, body: Any, headers: dict[str, Any] | None) -> None:
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except (ValueError, RecursionError):
                body = None
        if isinstance(body, dict):
            self.learn(body.get("password"), "password")
        for name, value in (headers or {}).items():
            if str(name).lower() == "authorization":
                self.learn(value, "Authorization header")
                self.learn(str(value).partition(" ")[2].strip(), "Authorization credential")

    def learn_response(self, text: str) -> None:
        try:
            data = json.loads(text).get("data")
        except (ValueError, AttributeError, RecursionError):
            return
        if isinstance(data, dict):
            self.learn(data.get("token"), "JWT")

    def _patch(self, owner: Any, name: str, wrapper: Any) -> None:
        original = getattr(owner, name)
        self._undo.append((owner, name, original))
        setattr(owner, name, functools.wraps(original)(wrapper(original)))

    def install(self) -> None:
        import bcrypt
        import jwt
        import requests

        import shop.services.password_reset
        import tests.apigw

        guard = self

        def hashpw(original):
            def wrapped(password, salt):
                hashed = original(password, salt)
                guard.learn(password, "password")
                guard.learn(hashed, "password hash")
                return hashed

            return wrapped

        def checkpw(original):
            def wrapped(password, hashed):
                guard.learn(password, "password")
                guard.learn(hashed, "password hash")
                return original(password, hashed)

            return wrapped

        def encode(original):
            def wrapped(payload, key, *args, **kwargs):
                token = original(payload, key, *args, **kwargs)
                guard.learn(token, "JWT")
                guard.learn(key, "JWT signing key")
                return token

            return wrapped

        def invoke(original):
            def wrapped(method, path, **kwargs):
                headers = dict(kwargs.get("headers") or {})
                if kwargs.get("token"):
                    headers["Authorization"] = f"Bearer {kwargs['token']}"
                guard.learn_request(kwargs.get("body", kwargs.get("raw_body")), headers)
                result = original(method, path, **kwargs)
                guard.learn_response(result.body)
                return result

            return wrapped

        def session_request(original):
            def wrapped(session, method, url, *args, **kwargs):
                guard.learn_request(kwargs.get("json", kwargs.get("data")), kwargs.get("headers"))
                response = original(session, method, url, *args, **kwargs)
                guard.learn_response(response.text)
                return response

            return wrapped

        self._patch(bcrypt, "hashpw", hashpw)
        self._patch(bcrypt, "checkpw", checkpw)
        self._patch(jwt, "encode", encode)

        def token_hash(original):
            def wrapped(token):
                guard.learn(token, "password reset token")
                return original(token)

            return wrapped

        self._patch(shop.services.password_reset, "token_hash", token_hash)
        self._patch(tests.apigw, "invoke", invoke)
        self._patch(requests.Session, "request", session_request)

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)

    # -- capturing ------------------------------------------------------------------
    def capture(self, text: str, where: str | None = None) -> None:
        for line in text.splitlines():
            if line.strip():
                self.lines.append((where or self.where, line))

    def watch_file(self, path: pathlib.Path, where: str | None = None) -> None:
        self.files.append((where or self.where, pathlib.Path(path)))

    # -- judging --------------------------------------------------------------------
    def read_files(self) -> None:
        for where, path in self.files:
            if path.exists():
                self.capture(path.read_text(errors="replace"), f"{where} ({path.name})")
        self.files = []

    def leaks(self) -> list[tuple[str, str, str]]:
        self.read_files()
        self.learn(os.environ.get("JWT_SECRET"), "JWT signing key")
        self.learn(os.environ.get("JWT_SECRET_PREVIOUS"), "JWT signing key")
        texts = {value: kind for value, kind in self.secrets.items() if not JWT_SHAPE.fullmatch(value)}
        found = []
        for where, line in self.lines:
            if any(pattern.search(line) for pattern in ALLOWED_LINES):
                continue
            kinds = {kind for value, kind in texts.items() if value in line}
            if JWT_SHAPE.search(line):
                kinds.add("JWT")
            if BCRYPT_SHAPE.search(line):
                kinds.add("password hash")
            if any(not MASKED_EMAIL.match(email) for email in EMAIL.findall(line)):
                kinds.add("unmasked email")
            found.extend((where, kind, line) for kind in sorted(kinds))
        return found


class _RecordEverything(logging.Handler):
    def __init__(self, guard: LeakGuard):
        super().__init__(logging.NOTSET)
        self.guard = guard

    def emit(self, record: logging.LogRecord) -> None:
        # Message, arguments, every extra and the traceback: more than any formatter prints.
        fields = {k: v for k, v in vars(record).items() if k not in ("msg", "args", "exc_info")}
        text = f"{record.getMessage()} {fields!r}"
        if record.exc_info:
            text += " " + logging.Formatter().formatException(record.exc_info)
        self.guard.capture(text.replace("\n", " "))


_guard = LeakGuard()
_handler = _RecordEverything(_guard)


def watch_file(path: pathlib.Path) -> None:
    """Scan this file (a server's output) at the end of the session."""
    _guard.watch_file(path)


def pytest_configure(config: pytest.Config) -> None:
    _guard.install()
    logging.getLogger().addHandler(_handler)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    _guard.where = item.nodeid
    if "pytester" in getattr(item, "fixturenames", ()):
        # It runs a whole other pytest session (with planted leaks) and echoes its output;
        # that session's own guard judges it.
        _guard.exempt.add(item.nodeid)
    try:
        return (yield)
    finally:
        _guard.where = "session"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Under pytest-xdist the controller gets every worker's reports too (with `node`, the worker):
    # the worker captured them already (and knows which tests are exempt); its lines come with it.
    if report.nodeid in _guard.exempt or hasattr(report, "node"):
        return
    for title, text in report.sections:
        if title.startswith(("Captured stdout", "Captured stderr")):
            _guard.capture(text, report.nodeid)


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """Under pytest-xdist (make test runs two workers): a worker's lines and secrets join the
    controller's, which judges them all together, so a secret learned in one worker is found
    in a line another worker printed too."""
    output = getattr(node, "workeroutput", {}).get("leak_guard")
    if output:
        _guard.lines.extend((where, line) for where, line in output["lines"])
        for value, kind in output["secrets"].items():
            _guard.secrets.setdefault(value, kind)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_handler)
    _guard.uninstall()
    if _is_xdist_worker(session.config):
        _guard.read_files()
        session.config.workeroutput["leak_guard"] = {  # type: ignore[attr-defined]
            "lines": [list(entry) for entry in _guard.lines],
            "secrets": dict(_guard.secrets),
        }
        return
    leaks = _guard.leaks()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_sep("=", f"leak guard: {len(_guard.lines)} log lines, {len(_guard.secrets)} secrets learned")
        for where, kind, line in leaks[:50]:
            reporter.write_line(f"LEAK {kind} in {where}: {line[:300]}")
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
