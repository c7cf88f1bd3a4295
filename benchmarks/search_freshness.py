"""Issue 29's freshness benchmark (docs/BENCHMARKS.md, "Search"): on `make run` (devtools.runner:
DynamoDB Local when Java is there, its stream, the search-index job, gunicorn workers), the time
from an admin's product create answering 201 to the first GET /search that finds the product
by a misspelled word of its name (a transposition in a new 8-letter word), polled every 50 ms.

    .venv/bin/python benchmarks/search_freshness.py [WRITES=50]

The server is this script's own: a free PORT in 3100-3199, WEB_PORT in 5100-5199, a fresh
LOCAL_DATA_DIR under the system's temporary folder; it is stopped (SIGINT) at the end.
"""

from __future__ import annotations

import math
import os
import pathlib
import random
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]
from devtools import server_process  # noqa: E402

WRITES = int(sys.argv[1]) if len(sys.argv) > 1 else 50
POLL_S = 0.05
GIVE_UP_S = 30.0


def free_port(first: int) -> int:
    for port in range(first, first + 100):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {first}-{first + 99}")


def loadavg() -> str:
    return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])


def word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


def misspelled(text: str) -> str:
    return text[:3] + text[4] + text[3] + text[5:]  # one transposition: one edit (8 letters allow two)


def main() -> None:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="shop-freshness-"))
    port = free_port(3100)
    password = "Adm1n-" + secrets.token_urlsafe(12)
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_PORT": str(free_port(5100)),
        "HOST": "127.0.0.1",
        "LOCAL_DATA_DIR": str(folder / "data"),
        "FRESH": "1",
        "PYTHONPATH": str(ROOT / "src"),
        "ADMIN_EMAIL": "bench-admin@example.com",
        "ADMIN_PASSWORD": password,
    }
    for name in ("DYNAMODB_ENDPOINT_URL", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(name, None)
    started = time.monotonic()
    process = server_process.launch(env, folder / "server.log", timeout=600, module="devtools.runner")
    url = f"http://127.0.0.1:{port}"
    try:
        print(f"{url} ready in {time.monotonic() - started:.1f} s; load {loadavg()}", flush=True)
        login = requests.post(
            f"{url}/auth/login", json={"email": "bench-admin@example.com", "password": password}, timeout=10
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['data']['token']}"}
        rng = random.Random()
        delays: list[float] = []
        for n in range(WRITES):
            name = word(rng)
            body = {"name": f"Bench {name} lamp", "price": 12.5, "category": "Bench", "stock": 3}
            created = requests.post(f"{url}/products", json=body, headers=headers, timeout=10)
            assert created.status_code == 201, created.text
            answered, product_id = time.monotonic(), created.json()["data"]["id"]
            while True:
                found = requests.get(f"{url}/search", params={"q": misspelled(name)}, timeout=10)
                assert found.status_code == 200, found.text
                if any(p["id"] == product_id for p in found.json()["data"]):
                    delays.append(time.monotonic() - answered)
                    break
                if time.monotonic() - answered > GIVE_UP_S:
                    raise SystemExit(f"write {n}: not found by {misspelled(name)!r} after {GIVE_UP_S:.0f} s")
                time.sleep(POLL_S)
        delays.sort()
        print(
            f"writes={len(delays)} p50 {statistics.median(delays):.2f} s  "
            f"p95 {delays[math.ceil(len(delays) * 0.95) - 1]:.2f} s  "
            f"max {delays[-1]:.2f} s  min {delays[0]:.2f} s; load {loadavg()}",
            flush=True,
        )
        banner = (folder / "server.log").read_text().splitlines()
        print(next((line.strip() for line in banner if "Shop API on" in line), "no banner in the log"), flush=True)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
