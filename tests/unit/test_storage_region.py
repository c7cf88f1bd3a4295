"""The table's client is made in the region the settings name, not whatever boto3 finds.

Lambda sets AWS_REGION; boto3 alone reads only AWS_DEFAULT_REGION and ~/.aws/config. On a
laptop with neither (make run, no AWS account) the settings fall back to us-east-1, so a
client left to boto3's own lookup would have no region at all."""

from __future__ import annotations

import pytest

from tests.conftest import reset_shop_caches


@pytest.fixture
def no_ambient_region(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-such-config"))
    reset_shop_caches()
    yield
    reset_shop_caches()


@pytest.mark.parametrize(("aws_region", "expected"), [("eu-west-1", "eu-west-1"), (None, "us-east-1")])
def test_the_table_client_is_in_the_settings_region(no_ambient_region, monkeypatch, aws_region, expected):
    from shop.storage import dynamo

    if aws_region:
        monkeypatch.setenv("AWS_REGION", aws_region)
    table = dynamo.connect()
    assert table.client.meta.region_name == expected
    assert table.client.meta.endpoint_url == f"https://dynamodb.{expected}.amazonaws.com"
