"""make deploy's storefront step on moto: the upload order, types and cache headers, the
invalidation, and the stack outputs it reads."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from devtools import deploy_site


def _dist(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><script type=module src=/assets/index-abc.js></script>")
    (dist / "assets" / "index-abc.js").write_text("console.log(1)")
    (dist / "assets" / "index-abc.css").write_text("body{}")
    return dist


def _distribution(cloudfront, reference, origin_domain):
    """A CloudFront distribution in front of one S3 origin; returns its id."""
    return cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": reference,
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [{"Id": "o", "DomainName": origin_domain, "S3OriginConfig": {"OriginAccessIdentity": ""}}],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0},
        }
    )["Distribution"]["Id"]


@mock_aws
def test_upload_puts_assets_first_with_long_caching_and_index_last_revalidated(tmp_path):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="site")
    keys = deploy_site.upload(_dist(tmp_path), "site", s3)
    assert keys[-1] == "index.html"
    assert set(keys) == {"index.html", "assets/index-abc.js", "assets/index-abc.css"}
    page = s3.head_object(Bucket="site", Key="index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == "no-cache"
    script = s3.head_object(Bucket="site", Key="assets/index-abc.js")
    assert script["ContentType"].split(";")[0] in ("text/javascript", "application/javascript")
    assert script["CacheControl"] == "public, max-age=31536000, immutable"
    assert s3.get_object(Bucket="site", Key="assets/index-abc.css")["Body"].read() == b"body{}"


@mock_aws
def test_invalidate_asks_cloudfront_for_every_path():
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = _distribution(cloudfront, "t", "site.s3.amazonaws.com")
    invalidation = deploy_site.invalidate(distribution, cloudfront)
    found = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation)["Invalidation"]
    assert found["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


@mock_aws
def test_stack_outputs_are_read_by_key():
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    template = (
        '{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Outputs": {"SiteBucketName": {"Value": {"Ref": "B"}}}}'
    )
    cloudformation.create_stack(StackName="shop-api-dev", TemplateBody=template)
    outputs = deploy_site.stack_outputs("shop-api-dev", cloudformation)
    assert outputs["SiteBucketName"].startswith("shop-api-dev-b")


@mock_aws
def test_main_builds_for_the_stacks_api_uploads_and_invalidates(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="site-bucket")
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = _distribution(cloudfront, "m", "b.s3.amazonaws.com")
    outputs = {
        "ServiceEndpoint": "https://api.example/dev",
        "SiteBucketName": "site-bucket",
        "SiteDistributionId": distribution,
    }
    monkeypatch.setattr(deploy_site, "stack_outputs", lambda name, client: outputs if name == "shop-api-dev" else {})
    built = {}

    def fake_build(out_dir):  # npm itself is exercised by make web
        built["out"] = out_dir
        dist = _dist(tmp_path)
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in dist.rglob("*"):
            if path.is_file():
                target = out_dir / path.relative_to(dist)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())

    monkeypatch.setattr(deploy_site, "build", fake_build)
    monkeypatch.setattr(deploy_site, "ROOT", tmp_path)
    assert deploy_site.main(["--stage", "dev"]) == 0
    assert built["out"] == tmp_path / ".build" / "site"
    assert s3.head_object(Bucket="site-bucket", Key="index.html")["CacheControl"] == "no-cache"
    # the one build learns the stage's API from config.json, never cached (a redeploy may move it)
    config = s3.get_object(Bucket="site-bucket", Key="config.json")
    assert json.loads(config["Body"].read()) == {"apiUrl": "https://api.example/dev"}
    assert config["CacheControl"] == "no-cache"
    assert config["ContentType"] == "application/json; charset=utf-8"
    assert cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Quantity"] == 1
    assert "Uploaded 4 files to s3://site-bucket" in capsys.readouterr().out


def test_main_refuses_a_stack_without_the_site_outputs(monkeypatch, capsys):
    monkeypatch.setattr(deploy_site, "stack_outputs", lambda name, client: {"ServiceEndpoint": "https://x"})
    monkeypatch.setattr(deploy_site.boto3, "client", lambda service: None)
    assert deploy_site.main(["--stage", "prod"]) == 1
    assert "SiteBucketName, SiteDistributionId" in capsys.readouterr().err
