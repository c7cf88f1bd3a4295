"""Shared fixtures: environment, the moto table built from serverless.yml, and the event factory."""

from __future__ import annotations

import logging
import os
import secrets
import uuid

import pytest

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
    }
)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
os.environ.pop("JWT_SECRET_PARAMETER", None)


def reset_shop_caches() -> None:
    from shop import config, passwords, repository

    config.reset()
    repository.repository.cache_clear()
    repository._client.cache_clear()
    passwords._dummy_hash.cache_clear()


def table_properties():
    """serverless.yml's table, or with SHOP_TABLE_TEMPLATE the one `make package` generated,
    so the integration suite can run against the table as it would be deployed."""
    from pathlib import Path

    from devtools import serverless_config

    template = os.environ.get("SHOP_TABLE_TEMPLATE")
    if template:
        return serverless_config.compiled_table_resource(Path(template))[1]
    return serverless_config.table_resource()[1]


@pytest.fixture
def table(monkeypatch):
    """A fresh moto table, built from serverless.yml's table resource, per test."""
    import boto3

    from devtools import embedded_dynamodb, serverless_config

    name = f"shop-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("TABLE_NAME", name)
    embedded_dynamodb.start()
    reset_shop_caches()
    client = boto3.client("dynamodb", region_name="us-east-1")
    serverless_config.create_table(client, name, table_properties())
    yield name
    client.delete_table(TableName=name)
    reset_shop_caches()


@pytest.fixture
def ddb(table):
    import boto3

    return boto3.client("dynamodb", region_name="us-east-1")


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
    from shop.edge import logger

    collector = _Collect(logger.registered_formatter)
    logger.addHandler(collector)
    yield collector.lines
    logger.removeHandler(collector)
