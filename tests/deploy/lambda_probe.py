"""Runs INSIDE a fresh CPython 3.12 started with `-I -S`: one function's unzipped artifact, as Lambda would.

argv[1] is a JSON job: {"task": unzipped folder, "handler": "src/shop/handlers/x.handler",
"runtime": boto3-only folder, "harness": moto folder, "environment": the function's
variables from the generated template, "table": CreateTable arguments, "ttl": ...,
"scenario": name, "layers": unzipped layer folders (Lambda's /opt)}. Prints one JSON line with
what happened, including whether Pillow could be imported (only processImage's layer has it).

Step 1 imports the handler the way Lambda's bootstrap does, with only the task folder and
the runtime's boto3 on sys.path, then every module of the package (lazy imports included),
so a module or wheel missing from the zip fails here. Step 2 adds moto, builds the table
and the SSM SecureString, seeds what the scenario needs with the artifact's own code, and
invokes the handler with an API Gateway REST proxy event.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import uuid
from decimal import Decimal


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


def event(method, resource, path, body=None, token=None, path_params=None, query=None):
    headers = {"Host": "api.example", "User-Agent": "artifact-test"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
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
    from src.shop.services import auth, orders, products
    from src.shop.storage import storage
    from src.shop.tokens import Caller

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
        ready = {"status": "ready", "createdAt": created["createdAt"], "width": 640, "height": 480}
        repo.images.replace(created["id"], {str(uuid.uuid4()): ready}, 0)
        return created

    def processing_image(pid):
        iid = str(uuid.uuid4())
        found = repo.images.read(pid)
        record = {"status": "processing", "createdAt": "2026-01-01T00:00:00.000Z", "uploadExpiresAt": 4_000_000_000}
        repo.images.replace(pid, {**found.images, iid: record}, found.version)
        return iid

    if name == "register":
        body = {"email": "new@example.com", "password": PASSWORD, "name": "New"}
        return event("POST", "/auth/register", "/auth/register", body), 201
    if name == "login":
        account = user()
        body = {"email": account["user"]["email"], "password": PASSWORD}
        return event("POST", "/auth/login", "/auth/login", body), 200
    if name == "createProduct":
        token = user(admin=True)["token"]
        body = {"name": "Kettle", "price": 19.9, "category": "Kitchen", "stock": 3}
        return event("POST", "/products", "/products", body, token), 201
    if name == "listProducts":
        product()
        return event("GET", "/products", "/products", query={"limit": "1"}), 200
    if name == "getProduct":
        pid = product()["id"]
        return event("GET", "/products/{id}", f"/products/{pid}", path_params={"id": pid}), 200
    if name == "updateProduct":
        token, pid = user(admin=True)["token"], product()["id"]
        return event("PUT", "/products/{id}", f"/products/{pid}", {"stock": 9}, token, {"id": pid}), 200
    if name == "deleteProduct":
        token, pid = user(admin=True)["token"], product()["id"]
        return event("DELETE", "/products/{id}", f"/products/{pid}", None, token, {"id": pid}), 200
    if name == "createOrder":
        token, pid = user()["token"], product()["id"]
        body = {"items": [{"productId": pid, "quantity": 2}], "shippingAddress": ADDRESS}
        return event("POST", "/orders", "/orders", body, token), 201
    if name in ("listOrders", "getOrder", "cancelOrder", "updateOrderStatus"):
        account, pid = user(), product()["id"]
        caller = Caller(account["user"]["userId"], account["user"]["email"], "customer")
        payload = {"items": [{"productId": pid, "quantity": 1}], "shippingAddress": ADDRESS}
        order, _ = orders.create(repo, caller, payload, None)
        oid = order["id"]
        if name == "listOrders":
            return event("GET", "/orders", "/orders", token=account["token"]), 200
        if name == "cancelOrder":
            path = f"/orders/{oid}/cancel"
            return event("POST", "/orders/{id}/cancel", path, None, account["token"], {"id": oid}), 200
        if name == "updateOrderStatus":
            admin = user(admin=True)["token"]
            path = f"/orders/{oid}/status"
            return event("PUT", "/orders/{id}/status", path, {"status": "paid"}, admin, {"id": oid}), 200
        return event("GET", "/orders/{id}", f"/orders/{oid}", None, account["token"], {"id": oid}), 200
    if name in ("createImageUpload", "getImage", "deleteImage", "processImage"):
        token, pid = user(admin=True)["token"], product()["id"]
        params = {"id": pid}
        if name == "createImageUpload":
            body = {"contentType": "image/png", "contentLength": 2048}
            return event("POST", "/products/{id}/images", f"/products/{pid}/images", body, token, params), 201
        iid = processing_image(pid)
        if name == "processImage":
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
        resource, path = "/products/{id}/images/{imageId}", f"/products/{pid}/images/{iid}"
        method, expected = ("GET", 200) if name == "getImage" else ("DELETE", 200)
        return event(method, resource, path, None, token, {**params, "imageId": iid}), expected
    if name == "health":
        return event("GET", "/health", "/health"), 200
    if name == "fallback":
        return event("PATCH", "/products", "/products"), 405
    raise SystemExit(f"no scenario for function {name}")


def main() -> None:
    job = json.loads(sys.argv[1])
    os.environ.update(job["environment"])
    # The template's bcrypt cost (12) only makes seeding slow; the code path is the same.
    os.environ["BCRYPT_ROUNDS"] = "4"
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "probe", "AWS_SECRET_ACCESS_KEY": "probe", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    os.environ["AWS_REGION"] = "us-east-1"
    # -I -S left only the standard library on sys.path; Lambda puts the task root first.
    sys.path[:0] = [job["task"], *job.get("layers", []), job["runtime"]]
    handler = lambda_import(job["handler"])
    modules = import_everything(job["task"])
    outside = sorted(
        {
            name.split(".")[0]
            for name, module in sys.modules.items()
            if (getattr(module, "__file__", None) or "").startswith(job["runtime"])
        }
    )

    try:
        import PIL.Image

        pillow = PIL.__file__
    except ImportError:
        pillow = None

    sys.path.append(job["harness"])
    import boto3
    from moto import mock_aws

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(**job["table"])
        if job.get("ttl"):
            ddb.update_time_to_live(TableName=job["table"]["TableName"], TimeToLiveSpecification=job["ttl"])
        boto3.client("ssm", region_name="us-east-1").put_parameter(
            Name=job["environment"]["JWT_SECRET_PARAMETER"], Type="SecureString", Value=uuid.uuid4().hex * 2
        )
        if "MEDIA_BUCKET" in job["environment"]:
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=job["environment"]["MEDIA_BUCKET"])
        request, expected = scenario(job["scenario"])
        response = handler(request, None)
    if "statusCode" not in response:  # not an HTTP function: its result is the outcome
        response = {"statusCode": 200 if response == expected else 500, "body": json.dumps(response)}
        expected = 200
    print(
        json.dumps(
            {
                "python": list(sys.version_info[:3]),
                "handler_file": sys.modules[handler.__module__].__file__,
                "modules": modules,
                "from_runtime": outside,
                "expected": expected,
                "status": response["statusCode"],
                "body": response["body"],
                "pillow": pillow,
            }
        )
    )


if __name__ == "__main__":
    main()
