"""The local-only routes (`/_local/*`, `/media`) and the storefront's port send the security
headers the API sends (issue 32, defect 10): a route's own choice (the media's caching and CSP,
the storefront's CSP, which must let its scripts run) stays, the rest is the API's."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from devtools import serverless_config
from devtools.local_server import LocalGateway
from devtools.local_wsgi import WebApp
from shop.envelope import SECURITY_HEADERS
from tests.integration.test_images import bucket

__all__ = ["bucket"]

EVERYWHERE = ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


@pytest.mark.parametrize("path", ["/_local/outbox", "/_local/outbox?orderId=o-1", "/media/images/p/i/large.webp"])
def test_local_routes_send_the_apis_security_headers(bucket, path):
    response = Client(LocalGateway(serverless_config.routes())).get(path)
    for name in EVERYWHERE:
        assert response.headers.get(name) == SECURITY_HEADERS[name], (path, name, dict(response.headers))
    assert (
        "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        or response.headers["Content-Security-Policy"] == "default-src 'none'"
    )


def test_the_storefront_sends_them_with_a_policy_its_own_scripts_run_under(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><script type=module src=/assets/app.js></script>")
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    client = Client(WebApp(tmp_path))
    for path in ("/", "/assets/app.js", "/orders/some-spa-route"):
        response = client.get(path)
        assert response.status_code == 200
        for name in EVERYWHERE:
            assert response.headers.get(name) == SECURITY_HEADERS[name], (path, name)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy
    assert client.get("/assets/app.js").headers["Cache-Control"] == "public, max-age=300"  # its own caching stays


def test_a_given_admin_password_is_not_printed_into_a_log_a_generated_one_is(table, monkeypatch, capsys):
    """Issue 32, defect 10: ADMIN_PASSWORD is the developer's own; the banner shows it on a
    terminal only (here stdout is captured, as when make run's output goes to a file)."""
    from devtools import local_server
    from tests.conftest import dynamodb_client

    monkeypatch.setenv("SEED", "1")
    monkeypatch.setenv("ADMIN_PASSWORD", "Given-Admin-Pass-9")
    given = local_server.seed_and_load(dynamodb_client(), [])
    assert given == "Demo admin: admin@example.com / (the password in ADMIN_PASSWORD)  (created)"
    monkeypatch.delenv("ADMIN_PASSWORD")
    generated = local_server.seed_and_load(dynamodb_client(), [])
    password = generated.split(" / ", 1)[1].split()[0]
    assert password.startswith("Aa1!") and "already there" in generated  # nothing else would tell it
    assert "Given-Admin-Pass-9" not in capsys.readouterr().out
