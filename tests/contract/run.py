"""Runs a contract suite against the real local server.

    python -m tests.contract.run newman   # postman/ collection via newman (make test-api)
    python -m tests.contract.run repeat   # the collection RUNS=10 times in a row against one server,
                                          # with make run's per-address limits (postman/README.md)
    python -m tests.contract.run fuzz     # schemathesis on docs/openapi.json (make test-fuzz)

Starts `python -m devtools.local_server` on a free port (embedded DynamoDB, SEED=1, a known
admin, a random JWT secret), runs the suite, stops the server, and exits non-zero on any
failure. The newman run ends with the line `N passed, N failed` counted from its JSON report.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.api.conftest import LocalServer, start_server

ROOT = Path(__file__).resolve().parents[2]
NEWMAN = ROOT / "node_modules" / ".bin" / "newman"
COLLECTION = ROOT / "postman" / "shop-api.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "local.postman_environment.json"
SPEC = ROOT / "docs" / "openapi.json"
FUZZ_SEED = "20250101"
FUZZ_MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "25")


def _token(server: LocalServer, path: str, body: dict[str, str]) -> str:
    response = requests.post(f"{server.url}{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()["data"]["token"]


def run_newman(server: LocalServer, work: Path) -> int:
    report = work / "newman.json"
    command = [
        str(NEWMAN),
        "run",
        str(COLLECTION),
        "--environment",
        str(ENVIRONMENT),
        "--env-var",
        f"baseUrl={server.url}",
        "--env-var",
        f"adminEmail={server.admin_email}",
        "--env-var",
        f"adminPassword={server.admin_password}",
        "--reporters",
        "cli,json",
        "--reporter-json-export",
        str(report),
        "--reporter-cli-no-assertions",
        "--reporter-cli-no-console",
        "--timeout-request",
        "15000",
    ]
    code = subprocess.call(command, cwd=ROOT)  # noqa: S603 - a fixed argument list, no shell
    if not report.exists():
        print("0 passed, 1 failed")  # newman did not get as far as a report
        return code or 1
    stats = json.loads(report.read_text())["run"]["stats"]["assertions"]
    failed, total = stats["failed"], stats["total"]
    print(f"{total - failed} passed, {failed} failed")
    return code if failed == 0 else (code or 1)


def run_fuzz(server: LocalServer, work: Path) -> int:
    admin = _token(server, "/auth/login", {"email": server.admin_email, "password": server.admin_password})
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(ROOT / "tests" / "contract" / "schemathesis.toml"),
        "run",
        str(SPEC),
        "--url",
        server.url,
        "--checks",
        "all",
        "--seed",
        FUZZ_SEED,
        "--max-examples",
        FUZZ_MAX_EXAMPLES,
        "--workers",
        "1",
        "--header",
        f"Authorization: Bearer {admin}",
        "--request-timeout",
        "15",
        "--report",
        "junit",
        "--report-dir",
        str(work),
        "--no-color",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603 - a fixed argument list, no shell


def run_repeatedly(server: LocalServer, work: Path) -> int:
    """The collection again and again against one server: it reuses the customers it made
    and deletes its products, so every run passes under the API's per-address limits."""
    runs = int(os.environ.get("RUNS", "10"))
    for run in range(1, runs + 1):
        print(f"newman run {run} of {runs}", flush=True)
        code = run_newman(server, work)
        if code:
            return code
    return 0


SUITES = {"newman": run_newman, "repeat": run_repeatedly, "fuzz": run_fuzz}
# make run's per-address limits (shop.config), not the raised ones start_server sets for tests
# that make many accounts from 127.0.0.1.
LIMITS = {"repeat": {"REGISTER_IP_LIMIT": "20", "LOGIN_IP_LIMIT": "60"}}


def stop(server: LocalServer) -> None:
    # SIGTERM, not SIGINT: a shell that starts make in the background ignores SIGINT for it.
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        raise


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SUITES:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="shop-contract-") as tmp:
        work = Path(tmp)
        # A webhook secret, so POST /payments/webhook checks signatures (and refuses the suites' own).
        webhook_secret = "whsec_" + secrets.token_hex(24)
        server = start_server(
            work,
            SEED="1",
            TABLE_NAME=f"shop-contract-{secrets.token_hex(4)}",
            STRIPE_WEBHOOK_SECRET=webhook_secret,
            **LIMITS.get(argv[0], {}),
        )
        try:
            code = SUITES[argv[0]](server, work)
        finally:
            stop(server)
    print(f"{argv[0]}: {time.monotonic() - started:.0f}s", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
