"""Empty every bucket of a stage's stack, so that `serverless remove` can delete them.

    python -m devtools.deploy_teardown --stage dev

CloudFormation cannot delete a bucket that still holds objects (or, when versioned, old versions
and delete markers). The Serverless CLI empties only its own artifacts bucket; the storefront's
site bucket and the media bucket (and any bucket a later change adds) are the stack's
`AWS::S3::Bucket` resources, found here from the stack itself rather than from a list.
`make remove STAGE=...` runs this, then `serverless remove`. On a stage whose buckets are kept
(a `Retain` policy), this would empty them too: none is today (docs/DEPLOY.md, Teardown).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import boto3
from botocore.exceptions import ClientError


def stack_buckets(stack_name: str, cloudformation: Any) -> list[str]:
    """The physical names of the stack's buckets (its artifacts bucket included)."""
    names = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] == "AWS::S3::Bucket" and resource.get("PhysicalResourceId"):
                names.append(resource["PhysicalResourceId"])
    return sorted(names)


def empty_bucket(bucket: str, s3: Any) -> int:
    """Delete every object version and delete marker; returns how many were deleted."""
    deleted = 0
    try:
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket))
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucket":
            return 0
        raise
    for page in pages:
        keys = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
            batch = keys[start : start + 1000]
            reply = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if reply.get("Errors"):
                raise RuntimeError(f"could not empty {bucket}: {reply['Errors'][:3]}")
            deleted += len(batch)
    return deleted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.deploy_teardown", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--service", default="shop-api")
    args = parser.parse_args(argv)
    stack = f"{args.service}-{args.stage}"
    cloudformation, s3 = boto3.client("cloudformation"), boto3.client("s3")
    try:
        buckets = stack_buckets(stack, cloudformation)
    except ClientError as error:
        if "does not exist" in str(error):
            print(f"{stack} does not exist: nothing to empty")
            return 0
        raise
    for bucket in buckets:
        print(f"emptied s3://{bucket}: {empty_bucket(bucket, s3)} objects and versions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
