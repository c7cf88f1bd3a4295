"""make deploy's storefront step on moto: the upload order, types and cache headers, the
invalidation, and the stack outputs it reads."""

from __future__ import annotations

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
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "t",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {"Id": "o", "DomainName": "site.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0},
        }
    )["Distribution"]["Id"]
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
