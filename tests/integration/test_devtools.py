"""The admin CLI and the local gateway, in-process."""

from __future__ import annotations

from werkzeug.test import Client

from devtools import admin, serverless_config
from devtools.local_server import LocalGateway
from tests.integration.conftest import register


def test_admin_cli_promotes_a_registered_user(table, capsys):
    account = register()
    assert admin.main(["promote", account.email.upper()]) == 0
    assert "is now an admin" in capsys.readouterr().out
    from shop.storage import storage

    assert storage().users.get(account.user_id).role == "admin"
    assert admin.main(["promote", "nobody@example.com"]) == 1
    assert "No user registered" in capsys.readouterr().err


def test_gateway_passes_binary_bodies_base64_and_refuses_huge_ones(table):
    client = Client(LocalGateway(serverless_config.routes()))
    binary = client.post("/auth/login", data=b"\xff\xfe\x00", headers={"Content-Type": "application/json"})
    assert binary.status_code == 400 and binary.json["code"] == "INVALID_JSON"
    huge = client.post("/auth/login", data=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json["code"] == "PAYLOAD_TOO_LARGE"
    multi = client.get("/products?limit=1&limit=2")
    assert multi.status_code == 200 and multi.json["pagination"]["limit"] == 2
