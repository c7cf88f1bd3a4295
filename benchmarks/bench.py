"""`make bench`: where the time goes, written into docs/BENCHMARKS.md between markers.

1. Per endpoint, warm in-process latency through the real handler on moto, against the
   floor: the same boto3 calls (captured with botocore hooks) replayed directly.
2. DynamoDB round trips and items read per request (asserted in
   tests/integration/test_request_costs.py).
3. Growth: list products, list a category, own orders with 100, 10,000 and 100,000 items.
4. Login throughput of the local server against the bcrypt floor.
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import re
import secrets
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
QUICK = os.environ.get("BENCH_QUICK") == "1"  # a few minutes: fewer iterations, smaller tables
# The committed reference figures are rewritten only by a full run (or BENCH_WRITE=docs); a quick
# run writes its own copy, so that nobody commits quick numbers as the reference by accident.
COMMITTED_DOC = ROOT / "docs" / "BENCHMARKS.md"
WRITE_DOCS = os.environ.get("BENCH_WRITE", "quick" if QUICK else "docs") == "docs"
DOC = COMMITTED_DOC if WRITE_DOCS else ROOT / ".cache" / "bench" / "BENCHMARKS.md"
ROUNDS = int(os.environ.get("BENCH_BCRYPT_ROUNDS", "10"))  # what `make run` and the load runs use
LOGIN_ROUNDS = (12, 10)  # the deployed default and the local one
LOGIN_SECONDS = 5 if QUICK else 15
ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", "10" if QUICK else "50"))
GROWTH_SIZES = [
    int(n) for n in os.environ.get("BENCH_GROWTH_SIZES", "100,2000" if QUICK else "100,10000,100000").split(",")
]
# moto's own whole-table-copy transactions are timed too, up to this size (seconds per order beyond)
MOTO_COPY_MAX = 2_000 if QUICK else 10_000
LOCAL_ENDPOINT = os.environ.get("DYNAMODB_LOCAL_ENDPOINT")  # set by scripts/with-dynamodb-local.sh

os.environ.update(
    {
        "TABLE_NAME": "shop-bench",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "BCRYPT_ROUNDS": str(ROUNDS),
        "CORS_ALLOWED_ORIGINS": "https://shop.example",
        "LOG_LEVEL": "WARNING",  # one JSON line per request is Lambda's cost too, but not DynamoDB's
        # every request comes from one address: the per-address limits would stop the loops
        "LOGIN_IP_LIMIT": "100000",
        "REGISTER_IP_LIMIT": "100000",
    }
)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)

import boto3  # noqa: E402
import requests  # noqa: E402
from tests.apigw import invoke  # noqa: E402

from devtools import bulk_seed, embedded_dynamodb, serverless_config  # noqa: E402
from devtools.request_costs import Call, counting  # noqa: E402

PASSWORD = "Bench-Pa55word!"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def machine() -> str:
    cpuinfo = pathlib.Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = pathlib.Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown")
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def fresh_table(name: str) -> Any:
    from shop import config, passwords, storage

    os.environ["TABLE_NAME"] = name
    config.reset()
    storage.reset()
    passwords._dummy_hash.cache_clear()
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL"))
    serverless_config.create_table(client, name)
    return client


def register(email: str | None = None) -> tuple[str, str, str]:
    email = email or f"bench-{uuid.uuid4().hex[:10]}@example.com"
    result = invoke("POST", "/auth/register", body={"email": email, "password": PASSWORD, "name": "Bench"})
    assert result.status == 201, result.body
    return result.data["user"]["userId"], email, result.data["token"]


# Writes whose replay meets the state the handler left (a cart version moved on, an order
# paid): DynamoDB still evaluates and answers the same request, so the floor stays honest.
CONDITIONS_MAY_FAIL = frozenset({"PUT /cart/items/{productId}", "POST /checkout", "POST /orders/{id}/payment"})
CONDITION_CODES = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})


def replay(client: Any, calls: list[Call], swap: dict[str, str], conditions_may_fail: bool = False) -> None:
    """Make the same DynamoDB calls directly, new ids swapped in so conditions still hold."""
    from botocore.exceptions import ClientError

    for call in calls:
        text = json.dumps(call.params)
        for old, new in swap.items():
            text = text.replace(old, new)
        try:
            getattr(client, _snake(call.operation))(**json.loads(text))
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if not conditions_may_fail or code not in (
                "ConditionalCheckFailedException",
                "TransactionCanceledException",
            ):
                raise


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", operation).lower()


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def endpoint_table() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from shop.services import auth
    from shop.storage import storage

    client = fresh_table("shop-bench-endpoints")
    bulk_seed.seed_volume(client, "shop-bench-endpoints", products=100, orders=0)
    _, admin_email, _ = register()
    auth.promote_to_admin(storage(), admin_email)
    admin = invoke("POST", "/auth/login", body={"email": admin_email, "password": PASSWORD}).data["token"]
    _, email, token = register()
    product_id = invoke("GET", "/products", query={"limit": "1"}).data[0]["id"]
    address = {"street": "1 Main St", "city": "Springfield", "state": "IL", "zipCode": "62701", "country": "US"}
    order = {"items": [{"productId": product_id, "quantity": 1}], "shippingAddress": address}
    order_id = invoke("POST", "/orders", token=token, body=order).data["id"]
    for _ in range(30):
        invoke("POST", "/orders", token=token, body=order)

    def new_product() -> str:
        body = {"name": "Bench", "price": 9.99, "category": "Bench", "stock": 5}
        return invoke("POST", "/products", token=admin, body=body).data["id"]

    cart_ids = [p["id"] for p in invoke("GET", "/products", query={"limit": "3"}).data]
    for pid in cart_ids:
        invoke("PUT", f"/cart/items/{pid}", token=token, body={"quantity": 1})
    _, _, buyer = register()

    def checkout() -> tuple[str, str, dict[str, Any], dict[str, str]]:
        for pid in cart_ids:
            invoke("PUT", f"/cart/items/{pid}", token=buyer, body={"quantity": 1})
        return "POST", "/checkout", {"token": buyer, "body": {"shippingAddress": address}}, {}

    def payment() -> tuple[str, str, dict[str, Any], dict[str, str]]:
        pending = invoke("POST", "/orders", token=buyer, body=order).data["id"]
        body = {"paymentMethod": "pm_card_visa"}
        return "POST", f"/orders/{pending}/payment", {"token": buyer, "body": body}, {}

    # label, iterations, make() -> (method, path, kwargs, swap for the floor's replay)
    cases: list[tuple[str, int, Callable[[], tuple[str, str, dict[str, Any], dict[str, str]]]]] = [
        ("GET /health", ITERATIONS, lambda: ("GET", "/health", {}, {})),
        ("GET /products", ITERATIONS, lambda: ("GET", "/products", {"query": {"limit": "20"}}, {})),
        (
            "GET /products?category",
            ITERATIONS,
            lambda: ("GET", "/products", {"query": {"limit": "20", "category": "books"}}, {}),
        ),
        ("GET /products/{id}", ITERATIONS, lambda: ("GET", f"/products/{product_id}", {}, {})),
        (
            "POST /products",
            ITERATIONS,
            lambda: (
                "POST",
                "/products",
                {"token": admin, "body": {"name": "B", "price": 1, "category": "B", "stock": 1}},
                {},
            ),
        ),
        (
            "PUT /products/{id}",
            ITERATIONS,
            lambda: ("PUT", f"/products/{product_id}", {"token": admin, "body": {"stock": 1_000_000}}, {}),
        ),
        (
            "DELETE /products/{id}",
            max(1, ITERATIONS // 2),
            lambda: ("DELETE", f"/products/{new_product()}", {"token": admin}, {}),
        ),
        ("POST /orders", ITERATIONS, lambda: ("POST", "/orders", {"token": token, "body": order}, {})),
        ("GET /orders", ITERATIONS, lambda: ("GET", "/orders", {"token": token, "query": {"limit": "20"}}, {})),
        ("GET /orders/{id}", ITERATIONS, lambda: ("GET", f"/orders/{order_id}", {"token": token}, {})),
        ("GET /cart", ITERATIONS, lambda: ("GET", "/cart", {"token": token}, {})),
        (
            "PUT /cart/items/{productId}",
            ITERATIONS,
            lambda: ("PUT", f"/cart/items/{cart_ids[0]}", {"token": token, "body": {"quantity": 2}}, {}),
        ),
        ("POST /checkout", ITERATIONS, checkout),
        ("POST /orders/{id}/payment", ITERATIONS, payment),
        ("POST /auth/login", 20, lambda: ("POST", "/auth/login", {"body": {"email": email, "password": PASSWORD}}, {})),
        (
            "POST /auth/register",
            20,
            lambda: (
                "POST",
                "/auth/register",
                {"body": {"email": f"r-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD, "name": "Bench"}},
                {},
            ),
        ),
    ]
    latency_rows, cost_rows = [], []
    ddb = storage().client
    for label, iterations, make in cases:
        handler_ms, floor_ms = [], []
        calls: list[Call] = []
        for iteration in range(iterations + 3):
            method, path, kwargs, _ = make()
            with counting(ddb) as log:
                started = time.perf_counter()
                result = invoke(method, path, **kwargs)
                elapsed = (time.perf_counter() - started) * 1000
            assert result.status < 300, (label, result.body)
            calls = list(log.calls)
            swap = _swap_for(label, result, make)
            may_fail = label in CONDITIONS_MAY_FAIL
            floor = timed(lambda calls=calls, swap=swap, may_fail=may_fail: replay(ddb, calls, swap, may_fail))
            if iteration >= 3:  # the first calls warm imports and caches
                handler_ms.append(elapsed)
                floor_ms.append(floor)
        handler, bare = statistics.median(handler_ms), statistics.median(floor_ms)
        latency_rows.append(
            {"endpoint": label, "handler_ms": handler, "floor_ms": bare, "ratio": handler / bare, "n": iterations}
        )
        cost_rows.append(
            {
                "endpoint": label,
                "operations": " + ".join(call.operation for call in calls),
                "round_trips": len(calls),
                "items_read": sum(call.items_read for call in calls),
            }
        )
        print(f"  {label:<24} handler {handler:7.2f} ms  floor {bare:7.2f} ms  x{handler / bare:.1f}", flush=True)
    return latency_rows, cost_rows


def _swap_for(label: str, result: Any, make: Callable[[], Any]) -> dict[str, str]:
    """Replace what the handler just created (or deleted) so the replay's conditions hold."""
    data = result.json.get("data") or {}
    if label in ("POST /products", "POST /orders", "POST /checkout"):
        return {data["id"]: str(uuid.uuid4())}
    if label == "POST /auth/register":
        return {data["user"]["userId"]: str(uuid.uuid4()), data["user"]["email"]: f"f-{uuid.uuid4().hex}@example.com"}
    if label == "DELETE /products/{id}":
        _, path, _, _ = make()  # a second fresh product for the floor to delete
        return {data["id"]: path.rsplit("/", 1)[1]}
    return {}


ORDER_ADDRESS = {"street": "1", "city": "c", "state": "s", "zipCode": "z", "country": "US"}


def growth_table(backend: str) -> list[dict[str, Any]]:
    """The same three pages and one order at each table size; on moto, orders are also timed
    with moto's own whole-table copy (up to MOTO_COPY_MAX items), the cost before the patch."""
    from shop.storage import storage

    rows = []
    for size in GROWTH_SIZES:
        name = f"shop-bench-growth-{size}"
        client = fresh_table(name)
        user_id, _, token = register()
        products = size // 2
        started = time.perf_counter()
        # Half products, half orders; 200 orders belong to the user whose list is measured.
        bulk_seed.seed_volume(client, name, products=products, orders=200, user_ids=[user_id])
        bulk_seed.seed_volume(client, name, products=0, orders=max(0, size - products - 200))
        seeded = time.perf_counter() - started
        product_id = invoke("GET", "/products", query={"limit": "1"}).data[0]["id"]
        order = {"items": [{"productId": product_id, "quantity": 1}], "shippingAddress": ORDER_ADDRESS}
        cases = [
            ("list products", "GET", "/products", {"query": {"limit": "20"}}),
            ("list by category", "GET", "/products", {"query": {"limit": "20", "category": "books"}}),
            ("own orders", "GET", "/orders", {"token": token, "query": {"limit": "20"}}),
            ("place an order", "POST", "/orders", {"token": token, "body": order}),
        ]
        for label, method, path, kwargs in cases:
            times, read = [], 0
            for iteration in range(4 if size >= 100_000 else 6):
                with counting(storage().client) as log:
                    elapsed = timed(lambda method=method, path=path, kwargs=kwargs: invoke(method, path, **kwargs))
                read = log.items_read
                if iteration >= 1:
                    times.append(elapsed)
            row = {"backend": backend, "size": size, "query": label, "ms": statistics.median(times)}
            rows.append({**row, "items_read": read, "seed_s": seeded})
            print(f"  {backend} {size:>7} items  {label:<17} {row['ms']:8.2f} ms  read {read}", flush=True)
        if backend == "moto" and size <= MOTO_COPY_MAX:
            with embedded_dynamodb.moto_whole_table_copies():
                place = lambda token=token, order=order: invoke("POST", "/orders", token=token, body=order)  # noqa: E731
                times = [timed(place) for _ in range(2)]
            rows.append(
                {
                    "backend": "moto, whole-table copy (before)",
                    "size": size,
                    "query": "place an order",
                    "ms": statistics.median(times),
                    "items_read": 1,
                    "seed_s": seeded,
                }
            )
            print(f"  moto's own copy {size:>7} items  place an order {statistics.median(times):8.2f} ms", flush=True)
        client.delete_table(TableName=name)
    return rows


def _login_throughput(url: str, seconds: float, clients: int = 8) -> tuple[float, int]:
    # One account per client: the per-email throttle counts attempts in flight, so 8 clients
    # on one account would be refused (429) as a password-guessing burst.
    emails = [f"login-{uuid.uuid4().hex[:8]}@example.com" for _ in range(clients)]
    for email in emails:
        body = {"email": email, "password": PASSWORD, "name": "Login"}
        assert requests.post(f"{url}/auth/register", json=body, timeout=30).status_code == 201
    done, failures, stop_at = [0], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def hammer(email: str) -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            reply = session.post(f"{url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
            with lock:
                done[0] += 1
                failures[0] += reply.status_code != 200

    threads = [threading.Thread(target=hammer, args=(email,)) for email in emails]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - started), failures[0]


def login_table() -> list[dict[str, Any]]:
    """Per bcrypt cost: one hash timed directly, the floor (cores / hash time), and logins/s
    through the local server (embedded moto) with 8 concurrent clients."""
    import bcrypt

    sys.path.insert(0, str(ROOT / "load"))
    import run as load_run

    load_run.REPORTS.mkdir(parents=True, exist_ok=True)
    os.environ.pop("DYNAMODB_LOCAL_ENDPOINT", None)  # the login server runs on its embedded moto
    rows = []
    cores = os.cpu_count() or 1
    for rounds in LOGIN_ROUNDS:
        salt = bcrypt.gensalt(rounds)
        # the fastest of several: one hash's own cost, without the waits of a busy machine
        hash_ms = min(timed(lambda salt=salt: bcrypt.hashpw(PASSWORD.encode(), salt)) for _ in range(8))
        env = {"ADMIN_EMAIL": "bench-admin@example.com", "ADMIN_PASSWORD": "Aa1!" + secrets.token_urlsafe(12)}
        os.environ["BCRYPT_ROUNDS"] = str(rounds)
        url, process = load_run.start_local_server(f"bench-login-{rounds}", env)
        try:
            throughput, failed = _login_throughput(url, LOGIN_SECONDS)
        finally:
            load_run.stop(process)
        floor = cores * 1000 / hash_ms
        print(f"  bcrypt cost {rounds}: {hash_ms:.1f} ms/hash, floor {floor:.1f}/s, measured {throughput:.1f}/s")
        rows.append(
            {
                "rounds": rounds,
                "hash_ms": hash_ms,
                "cores": cores,
                "floor": floor,
                "measured": throughput,
                "failures": failed,
            }
        )
    os.environ["BCRYPT_ROUNDS"] = str(ROUNDS)
    return rows


def render(latency, costs, growth, login, command: str, seconds: float) -> str:
    out = [f"Machine: {machine()}.", "", f"Command: `{command}` (benchmarks/bench.py), {seconds / 60:.1f} minutes.", ""]
    out += [
        "### Per endpoint: handler against the bare DynamoDB calls (warm, in-process, moto)",
        "",
        "| endpoint | handler p50 (ms) | bare DynamoDB calls p50 (ms) | ratio | n |",
        "|---|---:|---:|---:|---:|",
    ]
    out += [
        f"| `{r['endpoint']}` | {r['handler_ms']:.2f} | {r['floor_ms']:.2f} | {r['ratio']:.1f}x | {r['n']} |"
        for r in latency
    ]
    out += [
        "",
        "### DynamoDB round trips and items read per request",
        "",
        "Asserted in `tests/integration/test_request_costs.py`.",
        "",
        "| endpoint | calls | round trips | items read |",
        "|---|---|---:|---:|",
    ]
    out += [f"| `{r['endpoint']}` | {r['operations']} | {r['round_trips']} | {r['items_read']} |" for r in costs]
    out += [
        "",
        "### Growth: the same page, and one order, as the table grows",
        "",
        "Half the items are products, half orders; the user whose orders are listed has 200. DynamoDB",
        "Local maintains real indexes; moto answers every Query by walking the whole table (O(n)), so",
        "its latency grows although the items read do not. (At 100 items a category holds only 6",
        "products: 7 items read is the whole category.)",
        "",
        "| backend | items in table | request | p50 (ms) | items read |",
        "|---|---:|---|---:|---:|",
    ]
    out += [f"| {r['backend']} | {r['size']:,} | {r['query']} | {r['ms']:.1f} | {r['items_read']} |" for r in growth]
    seeds = {(r["backend"], r["size"]): r["seed_s"] for r in growth if "before" not in r["backend"]}
    out += [
        "",
        "Bulk load (moto: straight into its table; DynamoDB Local: BatchWriteItem, 25 per call, 8 in flight): "
        + ", ".join(f"{backend} {size:,} items in {seconds:.1f} s" for (backend, size), seconds in seeds.items())
        + ".",
    ]
    out += [
        "",
        "### Login throughput against the bcrypt floor",
        "",
        "Floor = cores / one hash's time (bcrypt.hashpw timed directly, fastest of 8). Measured:",
        f"`POST /auth/login` through the local server (embedded moto), 8 concurrent clients for {LOGIN_SECONDS} s,",
        "the clients on the same cores.",
        "",
        "| bcrypt cost | one hash (ms) | cores | floor | measured |",
        "|---:|---:|---:|---:|---:|",
    ]
    out += [
        f"| {r['rounds']} | {r['hash_ms']:.1f} | {r['cores']} | {r['floor']:.1f} logins/s "
        f"| {r['measured']:.1f} logins/s ({r['failures']} failed) |"
        for r in login
    ]
    return "\n".join(out) + "\n"


def write_block(text: str, marker: str = "bench") -> None:
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    if not DOC.exists() and DOC != COMMITTED_DOC:
        DOC.write_text(COMMITTED_DOC.read_text())  # the quick copy starts from the committed one
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{start}\n{text}{end}"
    if start in doc:
        doc = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc)


def main() -> int:
    if LOCAL_ENDPOINT is None and os.environ.get("BENCH_DYNAMODB_LOCAL", "1") == "1":
        # DynamoDB Local in a private network namespace; this script runs again inside it.
        script = str(ROOT / "scripts" / "with-dynamodb-local.sh")
        os.execv(script, [script, sys.executable, *sys.argv])  # noqa: S606 - our own script
    started = time.perf_counter()
    growth = []
    if LOCAL_ENDPOINT:
        # Before moto starts: with it running, requests to this endpoint would not reach the JVM.
        print("growth on DynamoDB Local:", flush=True)
        os.environ.update(
            {
                "DYNAMODB_ENDPOINT_URL": LOCAL_ENDPOINT,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # DynamoDB Local's placeholder, not a secret
                "AWS_DEFAULT_REGION": "us-east-1",
            }
        )
        growth += growth_table("DynamoDB Local")
        os.environ.pop("DYNAMODB_ENDPOINT_URL")
    embedded_dynamodb.start()
    print("endpoints:", flush=True)
    latency, costs = endpoint_table()
    print("growth on moto:", flush=True)
    growth += growth_table("moto")
    print("login:", flush=True)
    login = login_table()
    command = "make bench" + (" BENCH_QUICK=1" if QUICK else "")
    write_block(render(latency, costs, growth, login, command, time.perf_counter() - started))
    print(f"wrote {DOC.relative_to(ROOT)} in {(time.perf_counter() - started) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
