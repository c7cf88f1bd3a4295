"""`make bench-servers`: `make run` against serverless-offline, the same handlers on the same
DynamoDB Local, at 1, 4 and 16 concurrent clients; then GET /products as the table grows.

`make run` (devtools.runner) starts as a user gets it: its own DynamoDB Local (private, data on
disk in a temporary LOCAL_DATA_DIR); serverless-offline is pointed at that same DynamoDB Local
through the runner's loopback bridge. Both servers get the same table, environment and bcrypt
cost; both run at once and are measured cell by cell, in turns, each while the other is idle,
after every endpoint has run once on both (so that no cell meets DynamoDB Local's JIT still
compiling, which favoured whichever server went second). serverless-offline 13 (pinned in
benchmarks/offline/package.json, installed for this benchmark only) gets a generated config,
serverless.bench-offline.yml, with the functions and routes of serverless.yml and nothing of
the deploy (removed afterwards).

Closed loop: each client sends its next request when the previous one is answered, over one
keep-alive connection (requests.Session). Throughput = answered requests / seconds; the
clients share the 2 cores with the servers, alike for both.

    BENCH_QUICK=1   3 s per cell instead of 10, written to .cache/bench/ (not docs/)
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "benchmarks")]
QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = float(os.environ.get("BENCH_SECONDS", "3" if QUICK else "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "2" if QUICK else "4"))
CONCURRENCY = [int(n) for n in os.environ.get("BENCH_CONCURRENCY", "1,4,16").split(",")]
GROWTH = [int(n) for n in os.environ.get("BENCH_GROWTH_SIZES", "100,2000" if QUICK else "100,10000,100000").split(",")]
LOCAL_ENDPOINT: str | None = None  # the runner's DynamoDB Local, once it runs
OFFLINE_DIR = ROOT / "benchmarks" / "offline"
OFFLINE_CONFIG = ROOT / "serverless.bench-offline.yml"
PASSWORD = "Bench-pass-123"
TABLE = "shop-bench-servers"


def environment() -> dict[str, str]:
    from devtools import serverless_config

    return {
        "TABLE_NAME": TABLE,
        "DYNAMODB_ENDPOINT_URL": LOCAL_ENDPOINT or "",  # the runner's bridge, once it runs
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # DynamoDB Local's placeholder
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "JWT_SECRET": "bench-servers-" + "s" * 40,
        "BCRYPT_ROUNDS": "10",
        "LOG_LEVEL": "INFO",
        "CORS_ALLOWED_ORIGINS": "http://127.0.0.1:3000",
        "LOGIN_IP_LIMIT": "100000",
        "REGISTER_IP_LIMIT": "100000",
        "LOGIN_MAX_FAILURES": "100",
        "POWERTOOLS_SERVICE_NAME": "shop-api",
        **serverless_config.function_environment(),
    }


def seed(clients: int) -> dict:
    os.environ.update(environment())
    from shop import config
    from shop.services import auth, products
    from shop.storage import storage

    config.reset()
    store = storage()
    ids = [
        products.create(
            store,
            {"name": f"P{i}", "price": Decimal("9.99"), "category": "Books", "stock": 900_000, "description": "x"},
        ).id
        for i in range(100)
    ]
    accounts = []
    for index in range(clients):
        email = f"bench{index}-{secrets.token_hex(3)}@example.com"
        accounts.append({"email": email, "token": auth.register(store, email, PASSWORD, "Bench").token})
    return {"product": ids[0], "accounts": accounts}


def offline_config() -> str:
    import yaml

    from devtools import serverless_config

    functions = {}
    for name, function in serverless_config.load()["functions"].items():
        events = [{"http": e["http"]} for e in function.get("events") or [] if "http" in e]
        if events:
            functions[name] = {"handler": function["handler"], "events": events}
            functions[name]["timeout"] = function.get("timeout", 10)  # as deployed (offline's default is 6 s)
    document = {
        "service": "shop-api",
        "frameworkVersion": "3",
        "plugins": ["serverless-offline"],  # found through NODE_PATH (start_offline)
        "provider": {
            "name": "aws",
            "runtime": "python3.11",  # serverless-offline 13 knows runtimes up to 3.11; the same .venv python runs both
            "stage": "local",
            "region": "us-east-1",
            "environment": environment(),
        },
        "functions": functions,
    }
    return yaml.safe_dump(document, sort_keys=False)


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited ({process.returncode}) before {url} answered")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def start_make_run(port: int, log: pathlib.Path, data: pathlib.Path) -> subprocess.Popen:
    env = {**os.environ, **environment(), "PORT": str(port), "WEB_PORT": str(port + 1), "SEED": "0"}
    env |= {"LOCAL_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DYNAMODB_ENDPOINT_URL")  # its own DynamoDB Local, as `make run` starts it
    process = subprocess.Popen(  # our own interpreter and module
        [sys.executable, "-m", "devtools.runner"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    wait_healthy(f"http://127.0.0.1:{port}/health", process)
    return process


def start_offline(port: int, log: pathlib.Path) -> subprocess.Popen:
    OFFLINE_CONFIG.write_text(offline_config())
    venv_bin = str(pathlib.Path(sys.executable).parent)
    env = {**os.environ, **environment(), "PATH": venv_bin + os.pathsep + os.environ["PATH"]}
    env |= {"PYTHONPATH": str(ROOT / "src"), "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off"}
    env["NODE_PATH"] = str(OFFLINE_DIR / "node_modules")  # the plugin lives beside, not in, the project's modules
    command = ["npx", "--no-install", "serverless", "offline", "--config", OFFLINE_CONFIG.name, "--stage", "local"]
    command += ["--httpPort", str(port), "--lambdaPort", str(port + 1), "--noPrependStageInUrl", "--host", "127.0.0.1"]
    process = subprocess.Popen(  # noqa: S603  # npx from the project's node_modules
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    wait_healthy(f"http://127.0.0.1:{port}/health", process)
    return process


def stop(process: subprocess.Popen, group: bool = False) -> None:
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
            process.wait()


def requests_for(seeded: dict) -> dict:
    """endpoint -> function(session, client index) sending one request, returning its status."""
    product, accounts = seeded["product"], seeded["accounts"]
    address = {"street": "1 Main St", "city": "Springfield", "state": "IL", "zipCode": "62701", "country": "US"}

    def order(session, url, index):
        headers = {"Authorization": f"Bearer {accounts[index]['token']}"}
        body = {"items": [{"productId": product, "quantity": 1}], "shippingAddress": address}
        return session.post(f"{url}/orders", json=body, headers=headers, timeout=60).status_code

    return {
        "GET /health": lambda session, url, index: session.get(f"{url}/health", timeout=60).status_code,
        "GET /products/{id}": lambda session, url, index: (
            session.get(f"{url}/products/{product}", timeout=60).status_code
        ),
        "GET /products": lambda session, url, index: session.get(f"{url}/products?limit=20", timeout=60).status_code,
        "POST /orders": order,
        "POST /auth/login": lambda session, url, index: (
            session.post(
                f"{url}/auth/login", json={"email": accounts[index]["email"], "password": PASSWORD}, timeout=60
            ).status_code
        ),
    }


def measure(url: str, send, clients: int, seconds: float) -> dict:
    import requests

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    # serverless-offline starts a Python process per concurrent invocation on first need: the
    # warm-up lets both servers reach their steady state before anything is counted.
    warm_until = time.monotonic() + WARMUP
    stop_at = warm_until + seconds

    def loop(index: int) -> None:
        session = requests.Session()
        mine, seen = [], {}
        while (now := time.monotonic()) < stop_at:
            status = send(session, url, index)
            done = time.monotonic()
            if now >= warm_until:
                mine.append(done - now)
                seen[status] = seen.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "statuses": statuses,
    }


def growth(url: str, client) -> list[dict]:
    """GET /products?limit=20 p50 (1 client) as products are added: GROWTH sizes."""
    from devtools import bulk_seed

    rows, have = [], GROWTH[0]
    send = requests_for({"product": "", "accounts": []})["GET /products"]
    for size in GROWTH:
        if size > have:
            report = bulk_seed.seed_volume(client, TABLE, products=size - have, orders=0)
            print(f"  seeded {size - have:,} products in {report.seconds:.0f} s", flush=True)
            have = size
        row = measure(url, send, 1, SECONDS) | {"products": size}
        print(f"  {size:>7,} products  GET /products?limit=20 p50 {row['p50']:.1f} ms", flush=True)
        rows.append(row)
        saved = json.loads(PARTIAL.read_text()) if PARTIAL.exists() else {"servers": []}
        save_partial(saved["servers"], rows)
    return rows


PARTIAL = ROOT / ".cache" / "bench" / "servers.json"


def save_partial(results: list[dict], grown: list[dict]) -> None:
    """Every cell as it is measured: `--render` turns an interrupted run into its table."""
    PARTIAL.parent.mkdir(parents=True, exist_ok=True)
    PARTIAL.write_text(json.dumps({"servers": results, "growth": grown}, indent=1))


def render_saved(seconds: float) -> int:
    import bench

    saved = json.loads(PARTIAL.read_text())
    command = "make bench-servers" + (" BENCH_QUICK=1" if QUICK else "") + "`, interrupted, then `--render"
    bench.write_block(render(saved["servers"], saved["growth"], command, seconds), marker="servers")
    print(f"wrote {bench.DOC} from {PARTIAL}")
    return 0


def main() -> int:
    global LOCAL_ENDPOINT
    if sys.argv[1:2] == ["--render"]:  # an interrupted run: render what it measured
        return render_saved(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
    if not (OFFLINE_DIR / "node_modules" / "serverless-offline").is_dir():
        raise SystemExit("serverless-offline is not installed: make bench-servers installs it (benchmarks/offline)")
    from devtools import dynamodb_local

    problem = dynamodb_local.problem()
    if problem:
        raise SystemExit(f"this benchmark runs on DynamoDB Local, which cannot run here: {problem}")
    from devtools.server_process import free_port

    started = time.perf_counter()
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as work:
        logs = pathlib.Path(work)
        run_port, offline_port = free_port(), free_port()
        runner = start_make_run(run_port, logs / "make-run.log", logs / "data")
        try:
            LOCAL_ENDPOINT = json.loads((logs / "data" / "run.json").read_text())["dynamodb"]
            seeded = seed(max(CONCURRENCY))
            sends = requests_for(seeded)
            # Both servers up at once, measured cell by cell, each while the other is idle, and in
            # turns (make run first in one cell, offline first in the next): the shared DynamoDB
            # Local, and the machine, are in the same state for both sides of a ratio. Every
            # endpoint runs once on both first, so that no cell meets a JVM still compiling.
            offline = start_offline(offline_port, logs / "offline.log")
            servers = [
                ("make run", f"http://127.0.0.1:{run_port}"),
                ("serverless-offline 13", f"http://127.0.0.1:{offline_port}"),
            ]
            try:
                print("warming up both servers on every endpoint", flush=True)
                for send in sends.values():
                    for _, url in servers:
                        measure(url, send, max(CONCURRENCY[:2]), WARMUP)
                cell = 0
                for endpoint, send in sends.items():
                    for clients in CONCURRENCY:
                        for name, url in servers if cell % 2 == 0 else servers[::-1]:
                            row = measure(url, send, clients, SECONDS)
                            row |= {"server": name, "endpoint": endpoint, "clients": clients}
                            results.append(row)
                            save_partial(results, [])
                            line = f"  {name:<21} {endpoint:<18} {clients:>2} clients {row['rps']:8.1f} req/s"
                            print(f"{line}  p50 {row['p50']:7.1f} ms  {row['statuses']}", flush=True)
                        cell += 1
            finally:
                stop(offline, group=True)
                OFFLINE_CONFIG.unlink(missing_ok=True)
            print("growth on make run:", flush=True)
            import boto3

            client = boto3.client("dynamodb", endpoint_url=LOCAL_ENDPOINT)
            grown = growth(f"http://127.0.0.1:{run_port}", client)
        finally:
            stop(runner)
    import bench

    command = "make bench-servers" + (" BENCH_QUICK=1" if QUICK else "")
    bench.write_block(render(results, grown, command, time.perf_counter() - started), marker="servers")
    print(f"wrote {bench.DOC}")
    save_partial(results, grown)
    return 0


def render(results: list[dict], grown: list[dict], command: str, seconds: float) -> str:
    import bench

    by = {(r["server"], r["endpoint"], r["clients"]): r for r in results}
    out = [
        f"Machine: {bench.machine()}.",
        "",
        f"Command: `{command}` (benchmarks/server_compare.py), {seconds / 60:.1f} minutes;",
        f"{SECONDS:.0f} s per cell after a {WARMUP:.0f} s warm-up, closed loop, keep-alive, clients on the same cores.",
        "",
    ]
    out += [
        "| endpoint | clients | make run req/s | p50 ms | serverless-offline req/s | p50 ms | make run / offline |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (server, endpoint, clients), mine in by.items():
        if server != "make run":
            continue
        theirs = by.get(("serverless-offline 13", endpoint, clients))
        if theirs is None:
            continue
        ratio = mine["rps"] / theirs["rps"] if theirs["rps"] else float("inf")
        statuses = [
            (f"{server} {k}", v)
            for server, r in (("make run", mine), ("offline", theirs))
            for k, v in r["statuses"].items()
        ]
        bad = {label: count for label, count in statuses if int(label.rsplit(" ", 1)[1]) >= 400}
        note = f" (errors: {bad})" if bad else ""
        cells = f"{mine['rps']:.1f} | {mine['p50']:.1f} | {theirs['rps']:.1f} | {theirs['p50']:.1f}"
        out.append(f"| `{endpoint}` | {clients} | {cells} | {ratio:.2f}x{note} |")
    base = grown[0]["p50"]
    out += ["", "GET /products?limit=20 on `make run`'s default backend (DynamoDB Local, data on disk), 1 client:", ""]
    out += ["| products in the table | p50 ms | ratio to the smallest |", "|---:|---:|---:|"]
    out += [f"| {row['products']:,} | {row['p50']:.1f} | {row['p50'] / base:.2f} |" for row in grown]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
