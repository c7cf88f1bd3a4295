"""Starts the real local server (python -m devtools.local_server) on a free port."""

from __future__ import annotations

import os
import pathlib
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
import requests

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    if LOCAL_ENDPOINT is not None:  # the server's table lives in DynamoDB Local too
        env["DYNAMODB_ENDPOINT_URL"] = LOCAL_ENDPOINT
    output_path = tmp_dir / f"server-{port}.log"
    leak_guard.watch_file(output_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.local_server"],
        cwd=ROOT,
        env=env,
        stdout=output_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local server exited:\n{output_path.read_text()}")
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return LocalServer(
                    url, "admin@example.com", admin_password, "https://shop.example", process, output_path
                )
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"local server did not start:\n{output_path.read_text()}")


def stop_server(server: LocalServer) -> int:
    server.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    return server.process.wait(timeout=20)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    assert stop_server(running) == 0
    assert "Stopped." in running.output()
