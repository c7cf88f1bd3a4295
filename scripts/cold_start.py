"""Cold init of every packaged function, as a ratio to a bare boto3 DynamoDB client.

`make bench-cold` (after `make package`). For each function, ROUNDS fresh CPython 3.12
processes (`-I -S -B`, only the unzipped artifact and the runtime's boto3 on sys.path, as on
Lambda, and no bytecode written: each round compiles what the zip does not ship compiled)
each time: import the handler string + the first invocation with a real API Gateway event,
against a moto server this script runs (AWS_ENDPOINT_URL). The baseline
is a fresh process doing `import boto3; boto3.client("dynamodb")`, interleaved with the
functions in every round so machine noise hits both alike. Prints a Markdown table.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

ROUNDS = int(os.environ.get("ROUNDS", "10"))
SECRET = "cold-start-benchmark-secret-" + "x" * 40
# What CloudFormation fills in at deploy time (Fn::Sub, Fn::GetAtt): the benchmark's values.
MEDIA = {"MEDIA_BUCKET": "bench-media", "MEDIA_BASE_URL": "https://media.bench.example"}
SEARCH = {"SEARCH_BUCKET": "bench-search"}
DEPLOY_TIME = {
    **MEDIA,
    **SEARCH,
    "CORS_ALLOWED_ORIGINS": "https://site.bench.example",
    "STOREFRONT_URL": "https://site.bench.example",  # the reset mail's link (Fn::Sub of the distribution)
}

CHILD = """
import json, sys, time
job = json.loads(sys.argv[1])
sys.path[:0] = [job["task"], *job.get("layers", []), job["runtime"]]
started, cpu = time.perf_counter(), time.process_time()
if job["handler"] is None:
    import boto3
    boto3.client("dynamodb")
    status = None
else:
    import importlib
    module_name, _, function_name = job["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
    try:
        reply = handler(job["event"], None)
    except Exception as error:  # a scheduled function fails its run (reconcilePayments: no Stripe key here)
        reply = {"raised": type(error).__name__}
    # An event source's function answers with its failed records ("0 failed" is its 200);
    # expireOrders answers EventBridge, not HTTP.
    if "raised" in reply:
        status = "raised " + reply["raised"]
    elif "statusCode" in reply:
        status = reply["statusCode"]
    elif "batchItemFailures" in reply:
        status = f"{len(reply['batchItemFailures'])} failed"
    elif "processed" in reply:  # processImage answers S3 with its images' outcomes
        status = json.dumps(reply)
    else:
        status = "scheduled"
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "status": status}))
"""


def unpack(package: Path, template: dict, name: str, properties: dict, work: Path) -> tuple[Path, list[str]]:
    """A function's zip unzipped into work/<name> (its task root), and each of its layers as Lambda
    unzips them into /opt: the task root and the layers' python/ folders for sys.path."""
    task = work / name
    with zipfile.ZipFile(package / f"{name}.zip") as archive:
        archive.extractall(task)
    layers = []
    for layer in properties.get("Layers", []):
        content = template["Resources"][layer["Ref"]]["Properties"]["Content"]
        target = work / f"{name}-opt-{layer['Ref']}"
        with zipfile.ZipFile(package / content["S3Key"].rsplit("/", 1)[-1]) as archive:
            archive.extractall(target)
        layers.append(str(target / "python"))
    return task, layers


@contextlib.contextmanager
def moto_server(python: str) -> Iterator[str]:
    """moto as a server on the 3.12 harness (so the measured processes carry no moto at all):
    its endpoint, until the block ends."""
    from devtools.server_process import free_port

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter
        [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ["LAMBDA_HARNESS_SITE"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: moto still busy after 30 s
            server.kill()
            server.wait()


def function_environment(properties: dict, endpoint: str, task: Path) -> dict[str, str]:
    """A function's variables from the template, with the deploy-time ones given stand-ins, as
    the benchmark's processes get them (moto's endpoint for every AWS client)."""
    variables = properties["Environment"]["Variables"]
    # An intrinsic (the events topic's Ref, the site origin) is what _seed set, or unset.
    stand_in = {k: DEPLOY_TIME.get(k) or os.environ.get(k, "") for k in variables}
    env = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench"}
    env |= {"AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    env |= {k: v if isinstance(v, str) else stand_in[k] for k, v in variables.items()}
    env["LAMBDA_TASK_ROOT"] = str(task)  # as Lambda sets it (AWS_DATA_PATH uses it)
    return env


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("moto server did not start")


def _seed(endpoint: str, template: dict) -> dict[str, dict]:
    """Table, secret and data on the moto server; returns an event per function."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "JWT_SECRET": SECRET,
            "BCRYPT_ROUNDS": "12",
            **MEDIA,
            **SEARCH,
        }
    )
    import boto3
    from tests.deploy.lambda_probe import ADDRESS, PASSWORD

    from devtools import serverless_config

    table_name, table = next(
        (r["Properties"]["TableName"], r["Properties"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    )
    os.environ["TABLE_NAME"] = table_name
    serverless_config.create_table(boto3.client("dynamodb"), table_name, table)
    parameter = next(
        r["Properties"]["Environment"]["Variables"]["JWT_SECRET_PARAMETER"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    )
    boto3.client("ssm").put_parameter(Name=parameter, Type="SecureString", Value=SECRET)

    from decimal import Decimal

    from shop.domain.image import Image
    from shop.services import auth, orders, products
    from shop.storage import storage
    from shop.tokens import Caller

    repo = storage()
    customer = auth.register(repo, email="bench@example.com", password=PASSWORD, name="Bench")
    auth.register(repo, email="admin@example.com", password=PASSWORD, name="Admin")
    auth.promote_to_admin(repo, "admin@example.com")
    admin = auth.login(repo, email="admin@example.com", password=PASSWORD, source_ip="203.0.113.9").token
    token = customer.token
    pid = products.create(repo, {"name": "Lamp", "price": Decimal("24.50"), "category": "Home", "stock": 10**6}).id
    boto3.client("s3").create_bucket(Bucket=MEDIA["MEDIA_BUCKET"])
    ready = Image("bench-ready", "ready", "2026-01-01T00:00:00.000Z", width=640, height=480)
    repo.images.replace(pid, {ready.id: ready}, 0)  # every product read builds image URLs
    # The search functions read a published snapshot of the catalogue (docs/SEARCH.md).
    from shop.services import search_indexing

    boto3.client("s3").create_bucket(Bucket=SEARCH["SEARCH_BUCKET"])
    search_indexing.rebuild(repo)
    caller = Caller(customer.user.id, "bench@example.com", "customer")
    oid = orders.create(repo, caller, {"items": [{"productId": pid, "quantity": 1}], "shippingAddress": ADDRESS})[0][
        "id"
    ]
    # cancelOrder, updateOrderStatus, payOrder and the other routes that change an order: a fresh
    # pending one each for every round (events().ids picks them the same way).
    from devtools import routes

    changing = [e for e in routes.http() if e.route and e.route.method not in ("GET", "DELETE")]
    per_round = sum("order" in e.example.ids.values() for e in changing)
    fresh = [
        orders.create(repo, caller, {"items": [{"productId": pid, "quantity": 1}], "shippingAddress": ADDRESS})[0]["id"]
        for _ in range(per_round * ROUNDS)
    ]
    sessions = [
        auth.register(repo, email=f"session{n}@example.com", password=PASSWORD, name="Bench").token
        for n in range(ROUNDS)
    ]
    # The event functions' resources: the topic the publisher's environment names by Ref, the sender.
    os.environ["EVENTS_TOPIC_ARN"] = boto3.client("sns").create_topic(Name="bench-order-events")["TopicArn"]
    sender = next(
        r["Properties"]["Environment"]["Variables"]["SES_SENDER_ADDRESS"]
        for r in template["Resources"].values()
        if "SES_SENDER_ADDRESS" in r.get("Properties", {}).get("Environment", {}).get("Variables", {})
    )
    boto3.client("ses").verify_email_identity(EmailAddress=sender)
    order = repo.orders.get(oid, consistent=True)
    uploads = _uploads(repo)
    return events(
        Seeded(
            pid,
            oid,
            token,
            admin,
            pending=iter(fresh),
            sessions=iter(sessions),
            image="bench-ready",
            uploads=uploads,
            order=order,
        )
    )


def _uploads(repo: object) -> Iterator[str]:
    """An uploaded PNG waiting for processImage for every round, each on its own product."""
    import io
    from decimal import Decimal

    from PIL import Image

    from shop.domain.image import Image as ImageRecord
    from shop.services import products
    from shop.storage.media import media

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 120, 40)).save(out, "PNG")
    keys = []
    for _ in range(ROUNDS):
        pid = products.create(repo, {"name": "Vase", "price": Decimal("9.50"), "category": "Home", "stock": 1}).id
        image_id = f"bench-{len(keys)}"
        record = ImageRecord(image_id, "processing", "2026-01-01T00:00:00.000Z", upload_expires_at=4_000_000_000)
        repo.images.replace(pid, {image_id: record}, 0)
        key = f"uploads/{pid}/{image_id}"
        media().s3.put_object(Bucket=media().bucket, Key=key, Body=out.getvalue(), ContentType="image/png")
        keys.append(key)
    return iter(keys)


@dataclass
class Seeded:
    pid: str
    oid: str
    token: str
    admin: str
    pending: Iterator[str]  # ids of pending orders, one per cancel or status change
    # tokens of other customers (same password), one per round of a signed-in route that answers
    # a new session (a password change): it ends the caller's older tokens, the shared one included
    sessions: Iterator[str] = field(default_factory=lambda: iter(()))
    image: str = "i-1"  # an image of `pid`
    # keys of uploads waiting for processImage, one per round
    uploads: Iterator[str] = field(default_factory=lambda: iter(()))
    order: dict | None = None  # the order `oid` as stored: the event functions' events describe it


def events(seeded: Seeded) -> dict[str, Callable[[], dict]]:
    """A callable per function name that returns that function's next event: for an HTTP
    function, the example its handler declares (`@endpoint(example=...)`, devtools.routes).
    tests/unit/test_cold_start_events.py fails when a function of serverless.yml has none."""
    from tests.deploy.lambda_probe import ADDRESS, PASSWORD, event

    from devtools import routes

    counter = iter(range(10**6))

    def ids(entry: routes.Declared) -> dict[str, str]:
        """Every round finds the same state: a DELETE names records that are not there (404,
        the same imports and round trips up to the read), another write a fresh pending order."""
        method = entry.route.method  # type: ignore[union-attr]
        if method == "DELETE":
            return {"product": "gone", "order": "gone", "image": "gone"}
        fresh = method != "GET" and "order" in entry.example.ids.values()
        return {"product": seeded.pid, "order": next(seeded.pending) if fresh else seeded.oid, "image": seeded.image}

    def http(entry: routes.Declared) -> Callable[[], dict]:
        def build() -> dict:
            values = {"<product>": seeded.pid, "<email>": f"new{next(counter)}@example.com", "<address>": ADDRESS}
            values |= {"<customer>": "bench@example.com", "<password>": PASSWORD}
            made = routes.request(entry, ids(entry), values)
            token = {"customer": seeded.token, "admin": seeded.admin}.get(made.auth or "")
            if made.auth == "customer" and entry.operation and entry.operation.response == "SessionEnvelope":
                token = next(seeded.sessions, token)
            args = (made.method, made.resource, made.path, made.body, token, made.path_params, made.query)
            return event(*args, made.headers)

        return build

    built: dict[str, Callable[[], dict]] = {entry.function: http(entry) for entry in routes.http()}
    return built | {
        "fallback": lambda: event("PATCH", "/products", "/products"),
        "processImage": lambda: s3_event(next(seeded.uploads, "uploads/p-1/i-1")),
        "expireOrders": lambda: {
            "version": "0",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "detail": {},
        },
        "reconcilePayments": lambda: {
            "version": "0",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "detail": {},
        },
        "publishOrderEvents": lambda: order_events_batch(seeded),
        "indexProducts": lambda: product_change_batch(seeded),
        "notifyCustomers": lambda: order_email_batch(seeded),
    }


def s3_event(key: str) -> dict:
    """The ObjectCreated notification S3 sends processImage for an upload."""
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Post"}
    return {"Records": [record | {"s3": {"bucket": {"name": MEDIA["MEDIA_BUCKET"]}, "object": {"key": key}}}]}


def _order(seeded: Seeded) -> dict:
    from decimal import Decimal

    return seeded.order or {
        "id": seeded.oid,
        "userId": "u-1",
        "status": "pending",
        "items": [{"productId": seeded.pid, "name": "Lamp", "price": Decimal("24.50"), "quantity": 1}],
        "totalAmount": Decimal("24.50"),
        "createdAt": "2026-12-01T00:00:00Z",
        "updatedAt": "2026-12-01T00:00:00Z",
    }


def order_events_batch(seeded: Seeded) -> dict:
    """A DynamoDB Streams batch as Lambda delivers it: the order's creation."""
    order = _order(seeded)
    item = {**order, "items": [{**line, "lineTotal": line["price"] * line["quantity"]} for line in order["items"]]}
    return _stream_batch({**item, "id": order["id"], "type": "order"})


def product_change_batch(seeded: Seeded) -> dict:
    """A DynamoDB Streams batch as Lambda delivers it to indexProducts: the product's creation."""
    from decimal import Decimal

    product = {"id": seeded.pid, "type": "product", "name": "Lamp", "price": Decimal("24.50"), "category": "Home"}
    stamp = "2026-12-01T00:00:00Z"
    return _stream_batch({**product, "stock": 10**6, "version": 1, "createdAt": stamp, "updatedAt": stamp})


def _stream_batch(item: dict) -> dict:
    """One INSERT record of `item` (its keys `id` and `type`)."""
    from shop.storage.dynamo import serialize

    keys = {"id": item["id"], "type": item["type"]}
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": int(time.time()),
                    "Keys": serialize(keys),
                    "NewImage": serialize(item),
                    "SequenceNumber": str(uuid.uuid4().int)[:21],
                    "SizeBytes": 512,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/2026-12-01T00:00:00.000",
            }
        ]
    }


def order_email_batch(seeded: Seeded) -> dict:
    """An SQS batch as Lambda delivers it: one order.created event (a new id each time: one email each)."""
    order = _order(seeded)
    body = {
        "eventId": str(uuid.uuid4()),
        "type": "order.created",
        "version": 1,
        "occurredAt": order["createdAt"],
        "order": {
            "id": order["id"],
            "userId": order["userId"],
            "status": "pending",
            "previousStatus": None,
            "totalAmount": f"{order['totalAmount']:.2f}",
            "currency": "usd",
            "items": [],
        },
    }
    message = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "bench",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {"eventType": {"stringValue": "order.created", "dataType": "String"}},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench-order-emails",
        "awsRegion": "us-east-1",
    }
    return {"Records": [message]}


def _run(python: str, job: dict, env: dict) -> dict:
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        # -B: nothing writes a __pycache__ into the unzipped copy, so every round imports what the
        # zip ships, as on Lambda, whose /var/task is read-only: its .pyc if it has them, or a
        # compile of each source (the runtime's boto3 comes with its .pyc, as on Lambda).
        [python, "-I", "-S", "-B", "-c", CHILD, json.dumps(job)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from tests.deploy.conftest import lambda_resources

    from devtools import serverless_config

    package = Path(os.environ.get("SHOP_PACKAGE_DIR", ROOT / ".serverless"))
    python = os.environ["LAMBDA_PYTHON"]
    runtime = os.environ["LAMBDA_RUNTIME_SITE"]
    template = serverless_config.compiled_template(package / "cloudformation-template-update-stack.json")
    # The API's functions (serverless.yml); not what plugins add, such as the deploy's pre-traffic hook.
    functions = {n: p for n, p in lambda_resources(template).items() if n in serverless_config.load()["functions"]}

    with moto_server(python) as endpoint:
        events = _seed(endpoint, template)
        missing = sorted(set(functions) - set(events))
        if missing:
            raise SystemExit(f"no benchmark event for {', '.join(missing)}: add one to events() in {__file__}")
        with tempfile.TemporaryDirectory() as work:
            tasks, layers = {}, {}
            for name in functions:
                tasks[name], layers[name] = unpack(package, template, name, functions[name], Path(work))
            samples: dict[str, list[float]] = {name: [] for name in ["(bare boto3 client)", *functions]}
            cpu: dict[str, list[float]] = {name: [] for name in samples}
            statuses: dict[str, set] = {name: set() for name in functions}
            for _ in range(ROUNDS):
                base_env = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench"}
                base_env |= {"AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
                job = {"task": work, "runtime": runtime, "handler": None}
                result = _run(python, job, base_env)
                samples["(bare boto3 client)"].append(result["seconds"])
                cpu["(bare boto3 client)"].append(result["cpu"])
                for name, properties in functions.items():
                    env = function_environment(properties, endpoint, tasks[name])
                    job = {"task": str(tasks[name]), "runtime": runtime, "handler": properties["Handler"]}
                    job["layers"] = layers[name]
                    job["event"] = events[name]()
                    result = _run(python, job, env)
                    samples[name].append(result["seconds"])
                    cpu[name].append(result["cpu"])
                    statuses[name].add(result["status"])

    from devtools import routes

    read_only_functions = {entry.function for entry in routes.http() if entry.route and entry.route.method == "GET"}
    base = statistics.median(samples["(bare boto3 client)"])
    base_cpu = statistics.median(cpu["(bare boto3 client)"])
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = " / ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"Cold init, median of {ROUNDS} fresh CPython 3.12 processes, {stamp}, load average after: {load}\n")
    # The goal is on wall time (the first column pair). CPU time (user + system of the measured
    # process, so not moto's) is what other work on a shared machine disturbs least.
    print("| function | memory (MB) | median ms | ratio to bare client | CPU ms | CPU ratio | status | read-only |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    row = f"{base * 1000:.0f} | 1.00 | {base_cpu * 1000:.0f} | 1.00"
    print(f'| (bare `import boto3; boto3.client("dynamodb")`) | | {row} | | |')
    for name, properties in functions.items():
        median, median_cpu = statistics.median(samples[name]), statistics.median(cpu[name])
        read_only = "yes" if name in read_only_functions else ""
        status = ",".join(str(s) for s in sorted(statuses[name]))
        memory = properties["MemorySize"]
        row = f"{median * 1000:.0f} | {median / base:.2f} | {median_cpu * 1000:.0f} | {median_cpu / base_cpu:.2f}"
        print(f"| {name} | {memory} | {row} | {status} | {read_only} |")


if __name__ == "__main__":
    main()
