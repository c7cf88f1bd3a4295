"""Publish the storefront after `serverless deploy`: build web/, write the stage's config.json
(its API's address, devtools.site_config) beside it, upload it to the site bucket, invalidate
the distribution.

    python -m devtools.deploy_site --stage dev

The stack's outputs say where (ServiceEndpoint, SiteBucketName, SiteDistributionId).
Hashed assets go first and are cached for a year; index.html goes last with no-cache, so
a visitor never gets a page that names assets not uploaded yet.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import pathlib
import shutil
import subprocess  # nosec B404  # runs the pinned npm build, a fixed command
import sys
import time
from typing import Any

import boto3

from . import site_config
from .serverless_config import ROOT

WEB = ROOT / "web"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def stack_outputs(stack_name: str, cloudformation: Any) -> dict[str, str]:
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def build(out_dir: pathlib.Path) -> None:
    """The one build: it names no API (config.json does, beside it)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to build the storefront")
    env = {**os.environ, "SHOP_WEB_OUT_DIR": str(out_dir)}
    subprocess.run([npm, "run", "build"], cwd=WEB, env=env, check=True)  # noqa: S603  # nosec B603  # fixed argv


def upload(dist: pathlib.Path, bucket: str, s3: Any) -> list[str]:
    """Upload every file of `dist`; returns the keys in upload order."""
    files = sorted(path for path in dist.rglob("*") if path.is_file())
    pages = [path for path in files if path.suffix == ".html"]
    ordered = [path for path in files if path.suffix != ".html"] + pages
    keys = []
    for path in ordered:
        key = path.relative_to(dist).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        cache = IMMUTABLE if key.startswith("assets/") else REVALIDATE
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type, "CacheControl": cache})
        keys.append(key)
    return keys


def invalidate(distribution_id: str, cloudfront: Any) -> str:
    """index.html and the routes it answers; the hashed assets never change under one name."""
    reply = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"deploy-{time.time_ns()}"},
    )
    return reply["Invalidation"]["Id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.deploy_site", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--service", default="shop-api")
    args = parser.parse_args(argv)
    outputs = stack_outputs(f"{args.service}-{args.stage}", boto3.client("cloudformation"))
    # The deploy rehearsal's emulator has no CloudFront (deploy/plugins/emulator.js): the upload
    # is rehearsed, the invalidation cannot be. Anywhere else the distribution is required.
    emulator = bool(os.environ.get("SHOP_EMULATOR_ENDPOINT"))
    required = {"ServiceEndpoint", "SiteBucketName"} | (set() if emulator else {"SiteDistributionId"})
    missing = required - outputs.keys()
    if missing:
        print(f"error: the stack has no output {', '.join(sorted(missing))}: deploy the API first", file=sys.stderr)
        return 1
    dist = ROOT / ".build" / "site"
    build(dist)
    site_config.write(dist, outputs["ServiceEndpoint"])  # uploaded with no-cache, as index.html
    keys = upload(dist, outputs["SiteBucketName"], boto3.client("s3"))
    if emulator and "SiteDistributionId" not in outputs:
        print(
            f"Uploaded {len(keys)} files to s3://{outputs['SiteBucketName']}; emulator: no distribution to invalidate."
        )
        return 0
    invalidation = invalidate(outputs["SiteDistributionId"], boto3.client("cloudfront"))
    print(f"Uploaded {len(keys)} files to s3://{outputs['SiteBucketName']}; invalidation {invalidation}.")
    if "SiteUrl" in outputs:
        print(f"Storefront: {outputs['SiteUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
