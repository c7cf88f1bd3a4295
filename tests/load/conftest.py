"""The Locust suites (load/) driven against the real local server, for a few seconds."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest
import requests

from tests.api.conftest import start_server, stop_server

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOCUSTFILE = str(ROOT / "load" / "locustfile.py")


def locust_env(server, reports: pathlib.Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PROFILE": "load",
        "LOAD_TIME_SCALE": "0.04",  # the load profile's 300 s in 12 s
        "LOAD_USER_SCALE": "0.1",  # at most 10 users
        "ADMIN_EMAIL": server.admin_email,
        "ADMIN_PASSWORD": server.admin_password,
        "LOAD_REPORTS": str(reports),
        # What these tests check does not depend on speed; 8 processes share this machine's cores.
        "THRESHOLD_P95_MS": "60000",
        **extra,
    }


def locust(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--loglevel", "WARNING", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603


def register(url: str, email: str) -> requests.Response:
    body = {"email": email, "password": "Load-Test-Pa55!", "name": "After the run"}
    return requests.post(f"{url}/auth/register", json=body, timeout=30)


@pytest.fixture
def limited_server(tmp_path):
    """The production per-address limits, register cut to 2 so that users sharing one address show."""
    server = start_server(
        tmp_path, REGISTER_IP_LIMIT="2", LOGIN_IP_LIMIT="60", BCRYPT_ROUNDS="4", SEED="1", TABLE_NAME="shop-load-test"
    )
    yield server
    assert stop_server(server) == 0
