"""Starts the real local server (python -m devtools.local_server) on a free port."""

from __future__ import annotations

import os
import pathlib
import secrets
import signal
import socket
import subprocess
from dataclasses import dataclass

import pytest

from devtools import server_process
from devtools.server_process import free_port
from tests import leak_guard
from tests.conftest import LOCAL_ENDPOINT

ROOT = pathlib.Path(__file__).resolve().parents[2]


@dataclass
class LocalServer:
    url: str
    admin_email: str
    admin_password: str
    origin: str
    process: subprocess.Popen
    output_path: pathlib.Path

    def output(self) -> str:
        return self.output_path.read_text()


def start_server(tmp_dir: pathlib.Path, **overrides: str) -> LocalServer:
    port = free_port()
    admin_password = "Adm1n-" + secrets.token_urlsafe(8)
    env = {
        **os.environ,
        "PORT": str(port),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ADMIN_EMAIL": "admin@example.com",
        "ADMIN_PASSWORD": admin_password,
        "BCRYPT_ROUNDS": "4",
        # Every test client comes from 127.0.0.1: the per-address limits are tested in tests/security.
        "REGISTER_IP_LIMIT": "100000",
        "LOGIN_IP_LIMIT": "100000",
        "CORS_ALLOWED_ORIGINS": "https://shop.example",
        "TABLE_NAME": "shop-blackbox",
        "PYTHONPATH": str(ROOT / "src"),
        **overrides,
    }
    env.pop("DYNAMODB_ENDPOINT_URL", None)
    for name in ("MEDIA_BUCKET", "MEDIA_BASE_URL", "MEDIA_UPLOAD_ENDPOINT", "LOCAL_DATA_DIR"):
        if name not in overrides:  # the server serves its own images on its own port, as make run does
            env.pop(name, None)
    env.setdefault("LOCAL_DATA_DIR", str(tmp_dir / "local-data"))
    if LOCAL_ENDPOINT is not None:  # the server's table lives in DynamoDB Local too
        env["DYNAMODB_ENDPOINT_URL"] = LOCAL_ENDPOINT
    output_path = tmp_dir / f"server-{port}.log"
    leak_guard.watch_file(output_path)
    process = server_process.launch(env, output_path)
    url = f"http://127.0.0.1:{port}"
    return LocalServer(url, "admin@example.com", admin_password, "https://shop.example", process, output_path)


def raw(port: int, payload: bytes) -> bytes:
    """Sends bytes as they are (no HTTP client to fix them) and reads the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def stop_server(server: LocalServer) -> int:
    server.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    return server.process.wait(timeout=20)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    assert stop_server(running) == 0
    assert "Stopped." in running.output()
