"""Issue 29's search benchmarks at N products (docs/BENCHMARKS.md, "Search"), in one run:

1. GET /search through the real Lambda handler (tests.apigw.invoke, as the tests invoke
   functions), warm, for one-word, two-word, typo, faceted and prefix queries, beside
   GET /products?category= on the same catalogue in DynamoDB Local (the baseline; in memory,
   started next to this script by scripts/with-dynamodb-local.sh; BENCH_DYNAMODB_LOCAL=0: moto,
   whose Query reads the whole table: at 100k products it runs past the function's timeout).
2. Cold init of searchProducts in fresh processes: import of the handler + its first request,
   which downloads the snapshot from S3 (moto) and opens it; beside `import boto3;
   boto3.client("dynamodb")` in fresh processes, in the same rounds.

    .venv/bin/python benchmarks/search_handler.py 100000

moto runs as a server (`python -m moto.server`, AWS_ENDPOINT_URL) for S3, so the fresh processes
can reach the same bucket; every S3 and DynamoDB call here is HTTP, as on Lambda. The catalogue is
search_index.py's synthetic one (3-word names, 20-word descriptions from a 39-word vocabulary:
most queries match a large share of it), written to the table and indexed identically.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "benchmarks")]
COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "40"))
TABLE, BUCKET = "shop-bench-search", "shop-bench-search-index"
LOCAL_ENDPOINT = os.environ.get("DYNAMODB_LOCAL_ENDPOINT")
if LOCAL_ENDPOINT is None and os.environ.get("BENCH_DYNAMODB_LOCAL", "1") == "1":
    script = str(ROOT / "scripts" / "with-dynamodb-local.sh")
    os.execv(script, [script, sys.executable, *sys.argv])  # noqa: S606 - our own script
BACKEND = "DynamoDB Local" if LOCAL_ENDPOINT else "moto"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = free_port()
ENDPOINT = f"http://127.0.0.1:{PORT}"
ENV = {
    "AWS_ENDPOINT_URL": ENDPOINT,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",  # nosec B105  # moto's placeholder, not a secret
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "TABLE_NAME": TABLE,
    "SEARCH_BUCKET": BUCKET,
    "JWT_SECRET": secrets.token_urlsafe(48),
    "CORS_ALLOWED_ORIGINS": "https://shop.example",
    "LOG_LEVEL": "WARNING",
}
if LOCAL_ENDPOINT:
    ENV |= {"DYNAMODB_ENDPOINT_URL": LOCAL_ENDPOINT, "AWS_ENDPOINT_URL_DYNAMODB": LOCAL_ENDPOINT}
os.environ.update(ENV)
for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(name, None)
if not LOCAL_ENDPOINT:
    os.environ.pop("DYNAMODB_ENDPOINT_URL", None)

import boto3  # noqa: E402
from search_index import products  # noqa: E402
from tests.apigw import invoke, make_event  # noqa: E402

from devtools import bulk_seed, serverless_config  # noqa: E402
from shop.schemas.search import SearchQuerySchema  # noqa: E402
from shop.search import snapshots  # noqa: E402
from shop.search.tantivy_index import TantivyIndex  # noqa: E402
from shop.services import search  # noqa: E402
from shop.storage import keys  # noqa: E402

MIX = {
    "one word": [{"q": "lamp"}, {"q": "kettle"}],
    "two words": [{"q": "brass desk"}, {"q": "walnut shelf"}],
    "typo": [{"q": "keybaord"}, {"q": "blnaket"}],
    "faceted": [{"q": "lamp", "category": "Home", "inStock": "true"}, {"q": "mug", "minPrice": "10", "maxPrice": "50"}],
    "prefix": [{"q": "walnut shel"}, {"q": "head"}],
}
BASELINE = [{"category": "Home"}, {"category": "Books"}]

CHILD_SEARCH = """
import json, sys, time
started = time.perf_counter()
from shop.handlers.search_products import handler
from devtools.lambda_runtime import LambdaContext
response = handler(json.loads(sys.argv[1]), LambdaContext("searchProducts", "cold", 10))
elapsed = time.perf_counter() - started
assert response["statusCode"] == 200, response
print(json.dumps({"ms": elapsed * 1000, "total": json.loads(response["body"])["total"]}))
"""
CHILD_BARE = """
import json, time
started = time.perf_counter()
import boto3
boto3.client("dynamodb")
print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
"""


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def loadavg() -> str:
    return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])


def seed() -> dict[str, float]:
    catalogue = products(COUNT)
    for item in catalogue:
        item["updatedAt"] = item["createdAt"]
    items = [{**item, "type": keys.PRODUCT, **keys.product_index_keys(item)} for item in catalogue]
    client = boto3.client("dynamodb")
    serverless_config.create_table(client, TABLE)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    started = time.perf_counter()
    bulk_seed.batch_write(client, TABLE, items)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    index = TantivyIndex(tempfile.mkdtemp())
    index.upsert(catalogue)
    index.commit()
    built = time.perf_counter() - started
    started = time.perf_counter()
    pointer = snapshots.publish(index, 1)
    published = time.perf_counter() - started
    return {"seed_s": seeded, "build_s": built, "publish_s": published, "snapshot_mb": pointer["bytes"] / 1e6}


def warm() -> dict[str, dict[str, float]]:
    invoke("GET", "/search", query={"q": "lamp"})  # this process's reader: download + open, once
    rows: dict[str, list[float]] = {}
    found: dict[str, set[int]] = {}
    cases = [(kind, "/search", q) for kind, queries in MIX.items() for q in queries]
    cases += [(f"GET /products?category= ({BACKEND})", "/products", {**q, "limit": "20"}) for q in BASELINE]
    for _ in range(REPEATS):
        for kind, path, query in cases:
            started = time.perf_counter()
            result = invoke("GET", path, query=query)
            elapsed = (time.perf_counter() - started) * 1000
            assert result.status == 200, result.body
            rows.setdefault(kind, []).append(elapsed)
            if path == "/search":
                rows.setdefault("search, all", []).append(elapsed)
                found[kind] = found.get(kind, set()) | {result.json["total"]}
                # the same query on the service alone (index + documents to products), no edge
                params = SearchQuerySchema().load(query)
                started = time.perf_counter()
                search.search(snapshots.current(), params)
                rows.setdefault("search, all: service alone", []).append((time.perf_counter() - started) * 1000)
    print(f"  totals matched per kind: {found}", flush=True)
    return {kind: {"p50": statistics.median(t), "p95": percentile(t, 0.95), "n": len(t)} for kind, t in rows.items()}


def cold() -> dict[str, dict[str, float]]:
    event, _ = make_event("GET", "/search", query={"q": "lmap"})
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src"), **ENV}
    label = f"searchProducts ({COUNT:,} products)"
    runs: dict[str, list[float]] = {label: [], "bare client": []}
    for _ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as folder:
            out = subprocess.run(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-c", CHILD_SEARCH, json.dumps(event)],
                env={**env, "SEARCH_DIR": folder},
                capture_output=True,
                text=True,
                check=True,
            )
        answer = json.loads(out.stdout)
        assert answer["total"] > 0, answer  # the snapshot was downloaded and opened, not an empty index
        runs[label].append(answer["ms"])
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", CHILD_BARE], env=env, capture_output=True, text=True, check=True
        )
        runs["bare client"].append(json.loads(out.stdout)["ms"])
    return {k: {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)} for k, v in runs.items()}


def main() -> None:
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        print(f"products={COUNT} load average before: {loadavg()}", flush=True)
        built = seed()
        print(f"seed/build/publish: {json.dumps(built)} load: {loadavg()}", flush=True)
        latency = warm()
        for kind, row in latency.items():
            print(f"  {kind:<32} p50 {row['p50']:7.2f} ms  p95 {row['p95']:7.2f} ms  (n={row['n']})", flush=True)
        print(f"load average after warm: {loadavg()}", flush=True)
        for kind, row in cold().items():
            print(
                f"  cold {kind:<30} median {row['median']:7.0f} ms  min {row['min']:.0f}  max {row['max']:.0f}"
                f"  (n={row['n']})",
                flush=True,
            )
        print(f"load average after cold: {loadavg()}", flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
