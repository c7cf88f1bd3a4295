"""API7:2023 Server Side Request Forgery: the only URL a client sends (imageUrl) must be
https and is stored as text, never fetched. A socket guard proves no connection is tried."""

from __future__ import annotations

import socket

import pytest

from tests import factories
from tests.apigw import invoke

INTERNAL = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "ftp://internal.example/x",
    "//169.254.169.254/",
    "https://",
    "https:// evil.example/",
    "javascript:alert(1)",
]


@pytest.fixture
def no_outbound_connections(monkeypatch):
    """Every way out of the process fails the test: moto runs in-process, so the
    handlers under test have no legitimate reason to open a socket."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"outbound connection attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.mark.parametrize("url", INTERNAL)
def test_non_https_image_urls_are_refused(admin, url, no_outbound_connections):
    result = invoke("POST", "/products", body=factories.product_body(imageUrl=url), token=admin.token)
    assert result.status == 400 and "imageUrl" in result.json["details"]
    assert no_outbound_connections == []


def test_https_image_urls_are_stored_and_served_but_never_fetched(admin, no_outbound_connections):
    url = "https://169.254.169.254/latest/meta-data/"
    created = invoke("POST", "/products", body=factories.product_body(imageUrl=url), token=admin.token)
    assert created.status == 201 and created.data["imageUrl"] == url
    product_id = created.data["id"]
    changed = invoke("PUT", f"/products/{product_id}", body={"imageUrl": url + "x"}, token=admin.token)
    assert changed.status == 200
    assert invoke("GET", f"/products/{product_id}").data["imageUrl"] == url + "x"
    assert invoke("GET", "/products").status == 200
    assert no_outbound_connections == []


def test_the_guard_itself_catches_a_fetch(no_outbound_connections):
    with pytest.raises(AssertionError, match="outbound connection"):
        socket.create_connection(("169.254.169.254", 80))
    assert len(no_outbound_connections) == 1
