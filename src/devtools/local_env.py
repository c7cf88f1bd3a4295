"""The local server's environment: the fixed local names of its resources, the dummy AWS
account, the defaults every process gets (devtools.runner and the one-process mode of
devtools.local_server set them), the table and the demo data."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Any

from . import serverless_config

WEB_PORT_DEFAULT = "5173"
# Fixed names of the local resources (the deploy names them per stage). Each is a default:
# a variable already set wins.
LOCAL_DEFAULTS = {
    "TABLE_NAME": "shop-api-local",
    "BCRYPT_ROUNDS": "10",
    "LOG_LEVEL": "INFO",
    "MEDIA_BUCKET": "shop-api-local-media",
    "SEARCH_BUCKET": "shop-api-local-search",
    # The search functions look at the index's pointer this often (AWS: 5 s), so a product
    # change is found within a second of the search-index job publishing it (docs/SEARCH.md).
    "SEARCH_POINTER_SECONDS": "0.25",
    "EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:shop-api-local-events",
    # The order events path (devtools/local_jobs/order_events.py, docs/EVENTS.md).
    "ORDER_EMAILS_QUEUE": "shop-api-local-order-emails",
    "ORDER_EVENTS_DLQ": "shop-api-local-order-events-dlq",
    "SES_SENDER_ADDRESS": "orders@shop.example",
}
# What every process of the local server gets so that boto3 needs no account.
DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # a placeholder the local endpoints accept, not a secret
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def default_origins(host: str, port: int, web_port: int) -> str:
    """The server's own origins (on whatever PORT) and the storefront's."""
    names = ["127.0.0.1", "localhost"] + ([host] if host not in ("127.0.0.1", "localhost", "0.0.0.0") else [])  # noqa: S104  # nosec B104
    return ",".join([f"http://{name}:{port}" for name in names] + [f"http://{name}:{web_port}" for name in names])


def configure_environment(secret_file: Any = None) -> list[str]:
    """Fill in local defaults; returns notes worth printing. Without JWT_SECRET, one is
    generated: kept in `secret_file` (a pathlib.Path, mode 0600) when given, so that tokens
    outlive a restart, else for this run only."""
    notes = []
    for name, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(name, value)
    host = os.environ.setdefault("HOST", "127.0.0.1")
    port = int(os.environ.setdefault("PORT", "3000"))
    web_port = int(os.environ.setdefault("WEB_PORT", WEB_PORT_DEFAULT))
    os.environ.setdefault("CORS_ALLOWED_ORIGINS", default_origins(host, port, web_port))
    # The storefront's address: password-reset emails link to its reset page.
    os.environ.setdefault("STOREFRONT_URL", f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{web_port}")  # noqa: S104  # nosec B104
    own = os.environ.setdefault("LOCAL_API_URL", f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")  # noqa: S104  # nosec B104
    # Product images: S3's form endpoint and the CDN are played by the API's own address
    # (devtools/local_routes/media.py), in every worker.
    os.environ.setdefault("MEDIA_BASE_URL", own + "/media")
    os.environ.setdefault("MEDIA_UPLOAD_ENDPOINT", own + "/_local/s3")
    os.environ.update(serverless_config.function_environment())
    if os.environ.get("PAYMENT_PROVIDER", "fake") == "fake" and not os.environ.get("STRIPE_WEBHOOK_SECRET"):
        # The fake's bank page signs its webhook with this (devtools/local_routes/payments.py) and
        # the API checks it: one value for this run, shared by every worker. With the stripe
        # provider the secret is Stripe's (`stripe listen` prints it) and stays the user's to set.
        os.environ["STRIPE_WEBHOOK_SECRET"] = secrets.token_urlsafe(32)
    if not os.environ.get("JWT_SECRET"):
        if secret_file is not None:
            if not secret_file.exists():
                secret_file.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
            os.environ["JWT_SECRET"] = secret_file.read_text().strip()
        else:
            os.environ["JWT_SECRET"] = secrets.token_urlsafe(48)
            notes.append(
                "JWT_SECRET was not set: generated a random one; its tokens stop working when the server stops."
            )
    return notes


def prepare_table() -> Any:
    import boto3

    if not os.environ.get("DYNAMODB_ENDPOINT_URL"):
        from . import embedded_dynamodb

        embedded_dynamodb.start()
    client = boto3.client("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
    serverless_config.create_table(client, os.environ["TABLE_NAME"])
    return client


def seed_and_load(client: Any, notes: list[str]) -> str | None:
    """Demo data (SEED=0: none) and the bulk data of VOLUME_*; returns the admin's line."""
    from shop import config

    config.reset()
    config.settings()
    config.signing_secrets()  # a bad secret stops the start-up here, not at the first request
    config.payment_settings()  # so does a currency whose minor unit the shop does not know
    admin_line = None
    if os.environ.get("SEED", "1") != "0":
        from . import seed

        admin = seed.seed_demo_data()
        if admin.products:
            notes.append(f"Seeded {admin.products} demo products.")
        admin_line = admin.line(on_terminal=sys.stdout.isatty())
    from . import bulk_seed

    volume = bulk_seed.seed_from_environment(client, os.environ["TABLE_NAME"])
    if volume is not None:
        notes.append(volume.line())
    return admin_line
