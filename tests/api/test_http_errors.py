"""Errors the HTTP server itself answers (before any handler) on the one-process local server:
in the API's envelope with the security headers, logged as JSON without the request line. And
the spec names the configured address, never the request's Host header. (tests/runner checks
the same on `make run`'s gunicorn workers.)"""

import json
import secrets
import time

import pytest
import requests

from tests.api.conftest import raw

pytestmark = pytest.mark.blackbox


def test_garbage_and_oversized_requests_get_the_envelope_and_a_json_log_line(server):
    marker = secrets.token_hex(12)
    cases = (
        (f"GARBAGE /{marker} NOT-HTTP\r\n\r\n".encode(), 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", 431),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
    )
    for payload, status in cases:
        head, _, body = raw(int(server.url.rsplit(":", 1)[1]), payload).partition(b"\r\n\r\n")
        assert head.split(b" ")[1] == str(status).encode(), head[:200]
        assert b"Content-Type: application/json" in head
        assert b"X-Content-Type-Options: nosniff" in head and b"Strict-Transport-Security" in head
        envelope = json.loads(body)
        assert envelope["success"] is False and envelope["code"]
    time.sleep(0.2)
    output = server.output()
    assert marker not in output
    refused = [json.loads(line) for line in output.splitlines() if '"request refused"' in line]
    assert sorted(entry["status"] for entry in refused)[-4:] == sorted(status for _, status in cases)
    assert not [line for line in output.splitlines() if "HTTP/1." in line]  # no request line echoed


def test_the_spec_names_the_configured_address_not_the_host_header(server):
    spec = requests.get(f"{server.url}/openapi.json", headers={"Host": "evil.example"}, timeout=10).json()
    assert spec["servers"] == [{"url": server.url, "description": "this local server"}]


def test_root_links_the_docs_the_spec_and_health(server):
    home = requests.get(f"{server.url}/", timeout=10)
    assert home.status_code == 200
    assert home.headers["Content-Type"].startswith("text/html")
    assert all(f'href="{link}"' in home.text for link in ("/docs", "/openapi.json", "/health"))
