"""Runs INSIDE a fresh CPython 3.12 started with `-I -S`: one function's unzipped artifact, as Lambda would.

argv[1] is a JSON job: {"task": unzipped folder, "handler": "src/shop/handlers/x.handler",
"runtime": boto3-only folder, "harness": moto folder, "environment": the function's
variables from the generated template, "table": CreateTable arguments, "ttl": ...,
"scenario": name, "route": [METHOD, resource] for an HTTP function, "layers": unzipped layer
folders (Lambda's /opt)}. Prints one JSON line with what happened, including whether Pillow,
tantivy and stripe could be imported (only processImage's layer has Pillow, only the search
functions' layer has tantivy, only the payment functions' layer has stripe).

Step 1 imports the handler the way Lambda's bootstrap does, with only the task folder and
the runtime's boto3 on sys.path, then every module of the package (lazy imports included),
so a module or wheel missing from the zip fails here. Step 2 adds moto, builds the table
and the SSM SecureString, seeds what the scenario needs with the artifact's own code, and
invokes the handler with an API Gateway REST proxy event: for an HTTP function, the example
its handler declares (`@endpoint(example=...)`), so a new route needs nothing here; the event
functions get a stream or SQS batch, as Lambda builds it; their "status" is their reply and
what reached SNS or SES.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import uuid
from decimal import Decimal


def _load_standin():
    """tests/stripe_standin.py (standard library only), loaded by path: this interpreter has
    neither the repository nor its virtualenv on sys.path."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "stripe_standin.py"
    spec = importlib.util.spec_from_file_location("stripe_standin", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["stripe_standin"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def lambda_import(handler: str):
    # What the python3.12 bootstrap does with the Handler setting.
    module_name, _, function_name = handler.rpartition(".")
    module = importlib.import_module(module_name.replace("/", "."))
    return getattr(module, function_name)


def import_everything(task: str) -> list[str]:
    names = []
    root = os.path.join(task, "src", "shop")
    for folder, _, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".py"):
                relative = os.path.relpath(os.path.join(folder, name), task)[: -len(".py")]
                module = relative.replace(os.sep, ".").removesuffix(".__init__")
                importlib.import_module(module)
                names.append(module)
    return names


def event(method, resource, path, body=None, token=None, path_params=None, query=None, extra_headers=None):
    headers = {"Host": "api.example", "User-Agent": "artifact-test"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(extra_headers or {})
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "artifact-test"},
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


PASSWORD = "Corr3ct-Horse-Battery!"
ADDRESS = {"street": "1 Main St", "city": "Springfield", "state": "IL", "zipCode": "62701", "country": "US"}


def scenario(name: str):
    """(event, expected status) for one function, seeding with the artifact's own services."""
    from src.shop.domain.image import Image
    from src.shop.services import auth, products
    from src.shop.storage import storage

    repo = storage()

    def user(admin=False):
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        created = auth.register(repo, email=email, password=PASSWORD, name="Probe")
        if admin:
            auth.promote_to_admin(repo, email)
            created = auth.login(repo, email=email, password=PASSWORD, source_ip="192.0.2.1")
        return created

    def product():
        """A product with one ready image, so every function that shows products builds image URLs."""
        created = products.create(
            repo, {"name": "Desk Lamp", "price": Decimal("24.50"), "category": "Home", "stock": 5}
        )
        ready = Image(str(uuid.uuid4()), "ready", created.created_at, width=640, height=480)
        repo.images.replace(created.id, {ready.id: ready}, 0)
        return created

    def processing_image(pid):
        iid = str(uuid.uuid4())
        found = repo.images.read(pid)
        record = Image(iid, "processing", "2026-01-01T00:00:00.000Z", upload_expires_at=4_000_000_000)
        repo.images.replace(pid, {**found.images, iid: record}, found.version)
        return iid

    if name == "processImage":
        pid = product().id
        iid = processing_image(pid)
        import io

        from PIL import Image  # from the layer
        from src.shop.storage.media import media

        out = io.BytesIO()
        Image.new("RGBA", (400, 300), (0, 0, 255, 128)).save(out, "PNG")
        key = f"uploads/{pid}/{iid}"
        media().s3.put_object(Bucket=media().bucket, Key=key, Body=out.getvalue(), ContentType="image/png")
        record = {
            "eventName": "ObjectCreated:Post",
            "s3": {"bucket": {"name": media().bucket}, "object": {"key": key}},
        }
        return {"Records": [record]}, {"processed": ["ready"]}
    if name in ("publishOrderEvents", "notifyCustomers"):
        return order_events_scenario(name, repo, user, product)
    if name == "indexProducts":
        return search_scenario(product)
    if name == "expireOrders":
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events"}, 200
    if name == "reconcilePayments":  # the seeded world's order is pending and uncharged
        scheduled = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events"}
        return scheduled, 200
    if name == "fallback":
        return event("PATCH", "/products", "/products"), 405
    raise SystemExit(f"no scenario for function {name}")


def search_scenario(product):
    """indexProducts gets the stream batch of a product's creation (from the table's real
    stream, moto)."""
    records = stream_records_of(lambda: product())
    return {"Records": records}, {"batchItemFailures": []}


def publish_search_index(repo):
    """A function reading the search index (SEARCH_BUCKET) finds the seeded world in a snapshot
    the artifact's own code published, with the layer's tantivy, as indexProducts would."""
    from src.shop.search import snapshots
    from src.shop.services import search_indexing

    search_indexing.rebuild(repo)
    snapshots.reset()


def stream_records_of(write):
    """The Lambda stream records of what `write()` changes in the table."""
    import boto3
    from botocore.config import Config

    streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
    table = boto3.client("dynamodb").describe_table(TableName=os.environ["TABLE_NAME"])["Table"]
    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"], ShardIteratorType="LATEST"
    )["ShardIterator"]
    write()
    records = []
    for record in streams.get_records(ShardIterator=iterator)["Records"]:
        change = dict(record["dynamodb"])
        change["ApproximateCreationDateTime"] = int(change["ApproximateCreationDateTime"].timestamp())
        records.append(
            {**record, "eventVersion": "1.1", "dynamodb": change, "eventSourceARN": table["LatestStreamArn"]}
        )
    return records


def http_scenario(route, operation):
    """(event, expected status) of an HTTP function: its handler's declared example
    (src/shop/examples.py) in the world every example assumes, seeded with the artifact's code."""
    from src.shop.domain.image import Image
    from src.shop.examples import fill, path_of
    from src.shop.services import auth, carts, orders, products
    from src.shop.storage import storage
    from src.shop.tokens import Caller

    repo = storage()
    method, resource = route
    example = operation.example
    if example is None:
        raise SystemExit(f"{resource}: its @endpoint declares no example")
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    customer = auth.register(repo, email=email, password=PASSWORD, name="Probe")
    admin_email = f"{uuid.uuid4().hex[:10]}@example.com"
    auth.register(repo, email=admin_email, password=PASSWORD, name="Probe Admin")
    auth.promote_to_admin(repo, admin_email)
    tokens = {
        "customer": customer.token,
        "admin": auth.login(repo, email=admin_email, password=PASSWORD, source_ip="192.0.2.1").token,
    }
    # A product in stock with a ready image (every function that shows products builds image
    # URLs) and a processing one; the customer's pending order of it, and the product in the cart.
    pid = products.create(repo, {"name": "Desk Lamp", "price": Decimal("24.50"), "category": "Home", "stock": 5}).id
    iid = str(uuid.uuid4())
    ready = Image(str(uuid.uuid4()), "ready", "2026-01-01T00:00:00.000Z", width=640, height=480)
    processing = Image(iid, "processing", "2026-01-01T00:00:00.000Z", upload_expires_at=4_000_000_000)
    repo.images.replace(pid, {ready.id: ready, iid: processing}, 0)
    caller = Caller(customer.user.id, email, "customer")
    payload = {"items": [{"productId": pid, "quantity": 1}], "shippingAddress": ADDRESS}
    oid = orders.create(repo, caller, payload, None)[0]["id"]
    carts.put_line(repo, caller, pid, 2)
    if "SEARCH_BUCKET" in os.environ:
        publish_search_index(repo)
    if os.environ.get("SES_SENDER_ADDRESS"):  # a function that mails sends as a verified identity, as on AWS
        import boto3

        boto3.client("ses").verify_email_identity(EmailAddress=os.environ["SES_SENDER_ADDRESS"])

    ids = {"product": pid, "order": oid, "image": iid}
    values = {"<product>": pid, "<email>": "new@example.com", "<customer>": email, "<password>": PASSWORD}
    values["<address>"] = ADDRESS
    params = {**getattr(example, "fixed", {}), **{name: ids[record] for name, record in example.ids.items()}}
    body, headers = fill(example.body, values), dict(example.headers)
    request = event(
        method,
        resource,
        path_of(resource, params),
        body,
        tokens.get(example.auth),
        params or None,
        fill(example.query, values),
        headers,
    )
    if operation.signature_header:  # signed with the function's own secret, read from SSM as it does
        request["body"] = json.dumps(body)
        request["headers"][operation.signature_header] = _signature(request["body"])
    return request, example.status


def _signature(raw):
    import hashlib
    import hmac
    import time

    import boto3

    parameter = next(v for k, v in os.environ.items() if k.endswith("WEBHOOK_SECRET_PARAMETER"))
    secret = boto3.client("ssm", region_name="us-east-1").get_parameter(Name=parameter, WithDecryption=True)
    at = int(time.time())
    mac = hmac.new(secret["Parameter"]["Value"].encode(), f"{at}.{raw}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def order_events_scenario(name, repo, user, product):
    """The event functions get what Lambda would give them: a stream batch read from the
    table's real stream (moto), or an SQS batch of one event; expected is their reply plus
    what reached SNS or SES."""
    import boto3
    from botocore.config import Config
    from src.shop.services import orders
    from src.shop.tokens import Caller

    account, pid = user(), product().id
    caller = Caller(account.user.id, account.user.email, "customer")
    if name == "publishOrderEvents":
        streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
        table = boto3.client("dynamodb").describe_table(TableName=os.environ["TABLE_NAME"])["Table"]
        shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"], ShardIteratorType="LATEST"
        )["ShardIterator"]
        orders.create(repo, caller, {"items": [{"productId": pid, "quantity": 1}], "shippingAddress": ADDRESS}, None)
        records = []
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            change = dict(record["dynamodb"])
            change["ApproximateCreationDateTime"] = int(change["ApproximateCreationDateTime"].timestamp())
            records.append(
                {**record, "eventVersion": "1.1", "dynamodb": change, "eventSourceARN": table["LatestStreamArn"]}
            )
        return {"Records": records}, {"batchItemFailures": [], "published": 1}
    order, _ = orders.create(
        repo, caller, {"items": [{"productId": pid, "quantity": 1}], "shippingAddress": ADDRESS}, None
    )
    boto3.client("ses").verify_email_identity(EmailAddress=os.environ["SES_SENDER_ADDRESS"])
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
            "totalAmount": str(order["totalAmount"]),
            "currency": "usd",
            "items": [],
        },
    }
    record = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "probe",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "messageAttributes": {"eventType": {"stringValue": "order.created", "dataType": "String"}},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:probe",
        "awsRegion": "us-east-1",
    }
    return {"Records": [record]}, {"batchItemFailures": [], "sent": 1}


def full_model_client(service: str):
    """A client of the harness's own, from botocore's full model, whatever the function's
    AWS_DATA_PATH puts first: the shop's SSM model only has the two reads."""
    import boto3
    import botocore.session

    session = botocore.session.Session()
    session.set_config_variable("data_path", "")  # no extra search path: botocore's models only
    return boto3.session.Session(botocore_session=session).client(service, region_name="us-east-1")


def event_resources(environment: dict) -> None:
    """The resources a function's environment names by Ref (the events topic), created in moto."""
    import boto3

    if "EVENTS_TOPIC_ARN" in environment:  # a Ref, handed over as a stand-in: the topic, in moto
        os.environ["EVENTS_TOPIC_ARN"] = boto3.client("sns").create_topic(Name="probe-order-events")["TopicArn"]


def event_outcome(response: dict) -> dict:
    """A non-HTTP function's reply, with what it caused downstream."""
    outcome = dict(response)
    if os.environ.get("EVENTS_TOPIC_ARN"):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        topic = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].topics[os.environ["EVENTS_TOPIC_ARN"]]
        outcome["published"] = len(topic.sent_notifications)
    if os.environ.get("SES_SENDER_ADDRESS"):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        outcome["sent"] = len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
    return outcome


def main() -> None:
    job = json.loads(sys.argv[1])
    os.environ.update({k: v for k, v in job["environment"].items() if isinstance(v, str)})
    # The template's bcrypt cost (12) only makes seeding slow; the code path is the same.
    os.environ["BCRYPT_ROUNDS"] = "4"
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "probe", "AWS_SECRET_ACCESS_KEY": "probe", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    os.environ["AWS_REGION"] = "us-east-1"
    os.environ["LAMBDA_TASK_ROOT"] = job["task"]  # as Lambda sets it; AWS_DATA_PATH names a folder under it
    # -I -S left only the standard library on sys.path; Lambda puts the task root first.
    sys.path[:0] = [job["task"], *job.get("layers", []), job["runtime"]]
    handler = lambda_import(job["handler"])
    modules = import_everything(job["task"])
    # Named by the folder each file came from, not by its module name: requests aliases the
    # runtime's urllib3 modules as requests.packages.urllib3.*, which is still urllib3.
    outside = sorted(
        {
            os.path.relpath(module.__file__, job["runtime"]).split(os.sep)[0].removesuffix(".py")
            for module in list(sys.modules.values())
            if (getattr(module, "__file__", None) or "").startswith(job["runtime"])
        }
    )

    try:
        import PIL.Image

        pillow = PIL.__file__
    except ImportError:
        pillow = None
    try:
        import tantivy

        tantivy_file = tantivy.__file__
    except ImportError:
        tantivy_file = None
    try:
        import stripe

        stripe_file = stripe.__file__
    except ImportError:
        stripe_file = None

    sys.path.append(job["harness"])
    import boto3
    from moto import mock_aws

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(**job["table"])
        if job.get("ttl"):
            ddb.update_time_to_live(TableName=job["table"]["TableName"], TimeToLiveSpecification=job["ttl"])
        ssm = full_model_client("ssm")  # writes parameters: not with the function's cut SSM model
        secrets = {}
        if job["environment"].get("PAYMENT_PROVIDER") == "stripe":
            # The stripe library in the zip, against the tests' local stand-in for Stripe's API.
            standin = _load_standin()
            server, _ = standin.serve()
            os.environ["STRIPE_API_BASE"] = f"http://127.0.0.1:{server.server_port}"
            secrets["STRIPE_SECRET_KEY_PARAMETER"] = standin.API_KEY
        # Every SecureString the function is told about (the JWT secret, Stripe's secrets).
        for variable, parameter in job["environment"].items():
            if variable.endswith("_PARAMETER"):
                value = secrets.get(variable) or "whsec_" + uuid.uuid4().hex * 2
                ssm.put_parameter(Name=parameter, Type="SecureString", Value=value)
        event_resources(job["environment"])
        for bucket in ("MEDIA_BUCKET", "SEARCH_BUCKET"):
            if bucket in job["environment"]:
                boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=job["environment"][bucket])
        operation = getattr(handler, "operation", None)
        if job.get("route") and operation is not None:
            request, expected = http_scenario(job["route"], operation)
        else:
            request, expected = scenario(job["scenario"])
        response = handler(request, None)
        if "batchItemFailures" in response:  # an event source's function: its reply and effects
            response = {"statusCode": event_outcome(response), "body": "{}"}
        elif "processed" in response:  # processImage answers S3: its images' outcomes
            response = {"statusCode": 200 if response == expected else 500, "body": json.dumps(response)}
            expected = 200
        elif "statusCode" not in response:  # a scheduled function: its result, as the probe reports it
            response = {"statusCode": 200, "body": json.dumps({"success": True, "data": response})}
    config = sys.modules.get("src.shop.config")
    made_ssm = config is not None and config._ssm.cache_info().currsize > 0
    print(
        json.dumps(
            {
                # the operations of the function's own SSM client, when it made one (AWS_DATA_PATH)
                "ssm_operations": sorted(config._ssm().meta.service_model.operation_names) if made_ssm else None,
                "auth": getattr(getattr(handler, "operation", None), "auth", None),
                "python": list(sys.version_info[:3]),
                "handler_file": sys.modules[handler.__module__].__file__,
                "modules": modules,
                "from_runtime": outside,
                "expected": expected,
                "status": response["statusCode"],
                "body": response["body"],
                "pillow": pillow,
                "tantivy": tantivy_file,
                "stripe": stripe_file,
            }
        )
    )


if __name__ == "__main__":
    main()
