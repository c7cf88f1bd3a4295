"""Shared fixtures: environment, the table built from serverless.yml, and the event factory.

The table lives in moto by default. With DYNAMODB_BACKEND=local it lives in the DynamoDB Local
named by DYNAMODB_ENDPOINT_URL instead (see scripts/test-dynamodb-local.sh), so the tests
marked `dynamodb_local` run unchanged against AWS's own emulator.
"""

from __future__ import annotations

import logging
import os
import secrets
import uuid

import pytest

# The secret-leak guard watches the whole session; pytester runs it against planted leaks.
# tests.iam enforces each function's IAM policy when SHOP_IAM_TEMPLATE is set (make test-iam).
pytest_plugins = ["tests.leak_guard", "pytester", "tests.iam"]

TEST_SECRET = secrets.token_urlsafe(48)
ALLOWED_ORIGIN = "https://shop.example"

# Set before any shop module reads its settings.
os.environ.update(
    {
        "TABLE_NAME": "shop-test",
        "JWT_SECRET": TEST_SECRET,
        "BCRYPT_ROUNDS": "4",
        "CORS_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN},https://admin.shop.example",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LOG_LEVEL": "INFO",
        "MEDIA_BUCKET": "shop-test-media",
        "SEARCH_BUCKET": "shop-test-search",
        "MEDIA_BASE_URL": "https://media.shop.example",
        # The password-reset emails' sender and link, and a short floor for their answers.
        "SES_SENDER_ADDRESS": "orders@shop.example",
        "STOREFRONT_URL": ALLOWED_ORIGIN,
        "PASSWORD_RESET_MIN_MS": "20",
    }
)
os.environ.pop("MEDIA_UPLOAD_ENDPOINT", None)
DYNAMODB_BACKEND = os.environ.get("DYNAMODB_BACKEND", "moto")
LOCAL_ENDPOINT = os.environ.pop("DYNAMODB_ENDPOINT_URL", None) if DYNAMODB_BACKEND == "local" else None
if DYNAMODB_BACKEND not in ("moto", "local") or (DYNAMODB_BACKEND == "local" and not LOCAL_ENDPOINT):
    raise RuntimeError("DYNAMODB_BACKEND is moto (default) or local; local needs DYNAMODB_ENDPOINT_URL")
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
os.environ.pop("JWT_SECRET_PARAMETER", None)


def _derived_environment() -> None:
    """What the deploy derives per function (route-fallback.js), as the local server sets it."""
    from devtools import serverless_config

    os.environ.update(serverless_config.function_environment())


_derived_environment()


def dynamodb_client():
    """A client for the backend under test: DynamoDB Local, or the (started) embedded moto."""
    import boto3

    if LOCAL_ENDPOINT is None:
        from devtools import embedded_dynamodb

        embedded_dynamodb.start()
    from tests import iam

    return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=LOCAL_ENDPOINT, **iam.harness_credentials())


def reset_shop_caches() -> None:
    from shop import config, passwords, storage
    from shop.search import snapshots
    from shop.storage import media

    config.reset()
    storage.reset()
    media.reset()
    snapshots.reset()  # the search reader's index of an earlier test's bucket
    passwords._dummy_hash.cache_clear()


_COMPILED_TABLES: dict[tuple[str, int, int], dict] = {}


def table_properties():
    """serverless.yml's table, or with SHOP_TABLE_TEMPLATE the one `make package` generated,
    so the integration suite can run against the table as it would be deployed."""
    from pathlib import Path

    from devtools import serverless_config

    template = os.environ.get("SHOP_TABLE_TEMPLATE")
    if template:  # read once per version of the file, not once per test
        stat = os.stat(template)
        key = (template, stat.st_mtime_ns, stat.st_size)
        if key not in _COMPILED_TABLES:
            _COMPILED_TABLES[key] = serverless_config.compiled_table_resource(Path(template))[1]
        return _COMPILED_TABLES[key]
    return serverless_config.table_resource()[1]


@pytest.fixture
def table(monkeypatch):
    """A fresh table, built from serverless.yml's table resource, per test."""
    from devtools import serverless_config

    name = f"shop-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("TABLE_NAME", name)
    if LOCAL_ENDPOINT is not None:
        monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", LOCAL_ENDPOINT)
    client = dynamodb_client()
    reset_shop_caches()
    serverless_config.create_table(client, name, table_properties())
    yield name
    client.delete_table(TableName=name)
    reset_shop_caches()


@pytest.fixture
def ddb(table):
    return dynamodb_client()


class _Collect(logging.Handler):
    def __init__(self, formatter: logging.Formatter):
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    """The JSON log lines the handlers write during the test, exactly as formatted."""
    from shop.log import logger

    collector = _Collect(logger.registered_formatter)
    logger.addHandler(collector)
    yield collector.lines
    logger.removeHandler(collector)


@pytest.fixture
def backoff_delays(monkeypatch):
    """botocore's retry delays, recorded instead of slept, so fault tests stay fast."""
    from botocore.retries import standard

    delays: list[float] = []
    computed = standard.ExponentialBackoff.delay_amount

    def record(self, context):
        delays.append(computed(self, context))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", record)
    return delays


@pytest.fixture
def faults(table, backoff_delays):
    from shop.storage import storage
    from tests.faults import DynamoFaults

    with DynamoFaults(storage().client) as injector:
        yield injector


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `make mutation`, run the fastest tests first.

    mutmut runs every test that covers the mutated function and stops at the first failure,
    so the order decides how long a killed mutant costs. Its stats file holds each test's
    duration. Tests stay grouped by file and in their order within it (module fixtures are
    set up once, and a file's tests share what they share in a plain run); the files go
    cheapest first. The clean run mutmut
    makes before the mutants uses the same order, so a test that depends on running after
    another fails there, not as a false kill.
    """
    if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut sets it, to "" for its clean run
        return
    stats = config.rootpath / "mutmut-stats.json"
    if not stats.is_file():
        return
    import json

    duration = json.loads(stats.read_text()).get("duration_by_test", {})
    per_file: dict[str, float] = {}
    for item in items:
        per_file[item.location[0]] = per_file.get(item.location[0], 0.0) + duration.get(item.nodeid, 0.0)
    items.sort(key=lambda item: (per_file[item.location[0]], item.location[0]))  # stable: file order kept
