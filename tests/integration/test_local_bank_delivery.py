"""The local 3-D Secure page (POST /_local/payments/{reference}/authenticate) when the API does not
take its webhook: a 503 during a fault, or no answer. The bank has decided either way: the page
answers 200 with the delivery's status (Stripe retries a webhook later; the soak's courier plays
that), never a 500 that would hide the decision."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devtools.local_routes import payments as bank
from devtools.server_process import free_port
from tests.integration.test_payments import fake_provider, pay, place

__all__ = ["fake_provider"]


class Unavailable(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"success": false, "code": "SERVICE_UNAVAILABLE"}'
        self.send_response(503)
        self.send_header("Retry-After", "1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


@pytest.fixture
def busy_api(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LOCAL_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_" + "x" * 32)
    yield
    server.shutdown()
    server.server_close()


def authenticate(url, outcome="approve"):
    body = json.dumps({"outcome": outcome})
    environ = EnvironBuilder(path=url, method="POST", data=body, content_type="application/json").get_environ()
    answer = bank.handle(Request(environ))
    return answer.status_code, json.loads(answer.get_data())


@pytest.mark.parametrize("api", ["busy", "gone"])
def test_a_webhook_the_api_does_not_take_leaves_the_bank_page_at_200_with_its_status(
    table, customer, product, fake_provider, busy_api, monkeypatch, api
):
    if api == "gone":
        monkeypatch.setenv("LOCAL_API_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    order = place(customer.token, product(price=10)["id"], 1)
    asked = pay(customer.token, order["id"], "pm_card_authenticationRequired")
    assert asked.status == 202, asked.body
    status, body = authenticate(asked.data["payment"]["nextAction"]["url"])
    assert status == 200, body
    assert body["data"]["status"] == "succeeded" and body["data"]["webhookStatus"] == (503 if api == "busy" else 0)
    assert len(fake_provider.succeeded(order["id"])) == 1  # the bank approved: the charge stands
