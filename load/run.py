"""`make load PROFILE=load|stress|spike|volume [HOST=https://...]`.

Without HOST it starts the local server (python -m devtools.local_server) on a free
127.0.0.1 port with a fresh table, a random JWT secret and a seeded admin, runs Locust
headless against it, stops it, and prints a pass/fail summary against the thresholds.
Reports (HTML, CSVs, summary JSON, the server's log) go to load/reports/.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import secrets
import signal
import subprocess
import sys
import time
from typing import Any

from devtools import server_process
from devtools.server_process import free_port

ROOT = pathlib.Path(__file__).resolve().parents[1]
REPORTS = ROOT / "load" / "reports"
PROFILES = ("load", "stress", "spike", "volume")


def start_local_server(profile: str, env: dict[str, str]) -> tuple[str, subprocess.Popen]:
    port = free_port()
    server_env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "TABLE_NAME": f"shop-load-{profile}",
        "SEED": "1",
        "PYTHONPATH": str(ROOT / "src"),
        "ADMIN_EMAIL": env["ADMIN_EMAIL"],
        "ADMIN_PASSWORD": env["ADMIN_PASSWORD"],
        "JWT_SECRET": secrets.token_urlsafe(48),
        "BCRYPT_ROUNDS": os.environ.get("BCRYPT_ROUNDS", "10"),
        "SEED_VOLUME": "1" if profile == "volume" else "0",
        # No LOGIN_IP_LIMIT / REGISTER_IP_LIMIT override: every simulated user has a 127.x.y.z
        # source address of its own (load/addresses.py), so the production limits apply as they are.
    }
    # Embedded moto unless LOAD_DYNAMODB_ENDPOINT_URL names e.g. DynamoDB Local (BACKEND=dynamodb-local
    # sets it to the DynamoDB Local started next to this script in its network namespace).
    server_env.pop("DYNAMODB_ENDPOINT_URL", None)
    endpoint = os.environ.get("LOAD_DYNAMODB_ENDPOINT_URL") or os.environ.get("DYNAMODB_LOCAL_ENDPOINT")
    if endpoint:
        server_env["DYNAMODB_ENDPOINT_URL"] = endpoint
        # DynamoDB Local accepts any credentials; never send real ones to it.
        server_env["AWS_ACCESS_KEY_ID"] = "local"
        server_env["AWS_SECRET_ACCESS_KEY"] = "local"  # nosec B105  # placeholder, not a secret
        server_env.pop("AWS_SESSION_TOKEN", None)
        server_env.pop("AWS_PROFILE", None)
    module = "devtools.local_server"
    if os.environ.get("LOAD_SERVER") == "make-run":
        # `make run` itself: gunicorn workers on its own DynamoDB Local (or the moto fallback),
        # with a fresh data folder of its own.
        module = "devtools.runner"
        server_env.pop("DYNAMODB_ENDPOINT_URL", None)
        server_env |= {"LOCAL_DATA_DIR": str(REPORTS / f"{profile}-make-run-data"), "FRESH": "1"}
        server_env["WEB_PORT"] = str(free_port())
    log = REPORTS / f"{profile}-server.log"
    started = time.monotonic()
    try:
        process = server_process.launch(server_env, log, timeout=600, module=module)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    url = f"http://127.0.0.1:{port}"
    seeded = [line for line in log.read_text().splitlines() if line.startswith(("Bulk-seeded", "Seeded"))]
    backend = server_env.get("DYNAMODB_ENDPOINT_URL", "embedded moto")
    if module == "devtools.runner":
        backend = next((line for line in log.read_text().splitlines() if line.startswith("Shop API on")), "make run")
    ready = time.monotonic() - started
    print(f"local server {url} on {backend} ready in {ready:.1f} s. {' '.join(seeded)}", flush=True)
    return url, process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def warn_about_cost(host: str) -> None:
    print(
        f"WARNING: this sends real traffic to {host}. Every request is billed: API Gateway requests, "
        "Lambda invocations and GB-seconds, DynamoDB on-demand reads and writes (orders are "
        "transactions, billed double), CloudWatch log ingestion; the volume profile runs 200 users "
        "for minutes. The load profile alone is of the order of 100k requests. "
        "Admin credentials come from ADMIN_EMAIL / ADMIN_PASSWORD. Starting in 5 s (Ctrl-C to stop).",
        flush=True,
    )
    time.sleep(5)


def print_summary(summary: dict[str, Any], code: int) -> None:
    limits = summary["thresholds"]
    print(
        f"\n== {summary['profile']} on {summary['host']} (time scale {summary['scale']}) "
        f"thresholds: p95 < {limits['p95_ms']:.0f} ms, failures < {limits['failure_ratio']:.0%} =="
    )
    for judged in summary.get("judges", []):
        print(f"judges: {judged}")
    print(f"{'request':<38}{'reqs':>8}{'fails':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  verdict")
    for row in summary["rows"]:
        verdict = "FAIL " + "; ".join(row["broken"]) if row["broken"] else "ok"
        print(
            f"{row['name'][:37]:<38}{row['requests']:>8}{row['failures']:>7}{row['rps']:>8.1f}"
            f"{row['p50_ms']:>7.0f}{row['p95_ms']:>7.0f}{row['p99_ms']:>7.0f}  {verdict}"
        )
    if summary["findings"]:
        print("findings:", json.dumps(summary["findings"]))
    print(("PASS" if summary["passed"] and code == 0 else "FAIL") + f" ({summary['profile']})")
    for problem in summary["problems"]:
        print("  -", problem)


def run(profile: str, host: str | None) -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PROFILE=profile)
    process = None
    if host:
        if not host.startswith(("http://127.0.0.1", "http://localhost")):
            warn_about_cost(host)
    else:
        env.setdefault("ADMIN_EMAIL", "load-admin@example.com")
        env["ADMIN_PASSWORD"] = os.environ.get("ADMIN_PASSWORD") or "Aa1!" + secrets.token_urlsafe(12)
        host, process = start_local_server(profile, env)
    summary_path = REPORTS / f"{profile}-summary.json"
    summary_path.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "load" / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "--csv",
        str(REPORTS / profile),
        "--csv-full-history",
        "--html",
        str(REPORTS / f"{profile}.html"),
        "--only-summary",
        "--loglevel",
        os.environ.get("LOCUST_LOGLEVEL", "WARNING"),
    ]
    started = time.monotonic()
    try:
        code = subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603 - fixed arguments
    finally:
        if process is not None:
            stop(process)
    print(f"{profile}: locust ran {time.monotonic() - started:.0f} s, exit code {code}")
    if not summary_path.exists():
        print(f"FAIL ({profile}): no summary written")
        return code or 1
    print_summary(json.loads(summary_path.read_text()), code)
    return code


BACKENDS = ("moto", "dynamodb-local", "make-run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profiles", nargs="*", default=[os.environ.get("PROFILE") or "load"])
    parser.add_argument("--host", default=None, help="a deployed stage's base URL; default: start the local server")
    parser.add_argument(
        "--backend",
        default=os.environ.get("BACKEND") or "moto",
        choices=BACKENDS,
        help="the local server: one process on embedded moto or on DynamoDB Local, or `make run` itself",
    )
    args = parser.parse_args()
    if args.backend == "make-run":
        os.environ["LOAD_SERVER"] = "make-run"  # it starts its own DynamoDB Local
    if args.backend == "dynamodb-local" and not args.host and not os.environ.get("DYNAMODB_LOCAL_ENDPOINT"):
        # Start DynamoDB Local in a private network namespace and run this script again in it, so
        # the local server and Locust run there too; only 127.0.0.1 inside the namespace is used.
        script = str(ROOT / "scripts" / "with-dynamodb-local.sh")
        os.execv(script, [script, sys.executable, *sys.argv])  # noqa: S606 - our own script
    failed = []
    for profile in args.profiles:
        if profile not in PROFILES:
            parser.error(f"profile must be one of {', '.join(PROFILES)}")
        if run(profile, args.host) != 0:
            failed.append(profile)
    if len(args.profiles) > 1:
        print("\nALL PASS" if not failed else f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
