"""`make remove` empties every bucket of the stack first, the media bucket too (issue 30, defect 8):
CloudFormation cannot delete a bucket that holds objects or versions (moto's CloudFormation)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from moto.cloudformation.models import cloudformation_backends
from moto.s3.models import s3_backends

from devtools import deploy_teardown
from tests.unit.test_deploy_preflight import make_dry_run

TEMPLATE = {
    "Resources": {
        "SiteBucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}},
        "MediaBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "shop-api-dev-media-1-us-east-1"}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
    }
}


@pytest.fixture
def stack(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        # Inside the session's embedded moto (tests/conftest.py) mock_aws() resets nothing: start
        # from an empty account here, as a test run of this file alone does.
        cloudformation_backends.reset()
        s3_backends.reset()
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(StackName="shop-api-dev", TemplateBody=json.dumps(TEMPLATE))
        yield cloudformation, boto3.client("s3")


def test_every_bucket_of_the_stack_is_emptied_versions_and_delete_markers_included(stack, capsys):
    cloudformation, s3 = stack
    buckets = deploy_teardown.stack_buckets("shop-api-dev", cloudformation)
    assert len(buckets) == 2 and "shop-api-dev-media-1-us-east-1" in buckets
    site = next(b for b in buckets if b != "shop-api-dev-media-1-us-east-1")
    s3.put_bucket_versioning(Bucket=site, VersioningConfiguration={"Status": "Enabled"})  # as SiteBucket is
    for version in ("one", "two"):
        s3.put_object(Bucket=site, Key="index.html", Body=version.encode())
    s3.delete_object(Bucket=site, Key="index.html")  # a delete marker over two versions
    s3.put_object(Bucket="shop-api-dev-media-1-us-east-1", Key="images/a.webp", Body=b"x")
    assert deploy_teardown.main(["--stage", "dev"]) == 0
    for bucket in buckets:
        listing = s3.list_object_versions(Bucket=bucket)
        assert not listing.get("Versions") and not listing.get("DeleteMarkers"), bucket
        s3.delete_bucket(Bucket=bucket)  # what CloudFormation's delete then does: it succeeds
    out = capsys.readouterr().out
    assert f"emptied s3://{site}: 3 objects and versions" in out


def test_a_stage_that_does_not_exist_is_nothing_to_empty(stack, capsys):
    assert deploy_teardown.main(["--stage", "gone"]) == 0
    assert "does not exist" in capsys.readouterr().out


def test_make_remove_empties_the_buckets_before_the_pinned_cli_removes_the_stack():
    lines = make_dry_run("remove", "STAGE=qa")
    empty = next(i for i, line in enumerate(lines) if "devtools.deploy_teardown --stage qa" in line)
    remove = next(i for i, line in enumerate(lines) if "npx --no-install serverless remove --stage qa" in line)
    assert empty < remove
