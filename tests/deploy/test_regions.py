"""The same stage packaged for us-east-1 and for another region (make package-other-region):
CloudFront's web ACLs exist only in us-east-1, so elsewhere the storefront gets the ACL named
by SITE_WEB_ACL_ARN or none, never a placeholder; and the names CloudFront and IAM keep per
account (not per region) carry the region, so the same stage in two regions does not collide
(issue 30, defects 3 and 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from devtools import serverless_config
from tests.deploy.conftest import TEMPLATE_NAME, _required

NO_VALUE = object()
# Resource types whose names are unique per account, whatever the region, and the name property.
GLOBAL_NAMES = {
    "AWS::CloudFront::OriginAccessControl": ("OriginAccessControlConfig", "Name"),
    "AWS::CloudFront::ResponseHeadersPolicy": ("ResponseHeadersPolicyConfig", "Name"),
    "AWS::CloudFront::CachePolicy": ("CachePolicyConfig", "Name"),
    "AWS::CloudFront::OriginRequestPolicy": ("OriginRequestPolicyConfig", "Name"),
    "AWS::CloudFront::KeyValueStore": ("Name",),
    "AWS::CloudFront::Function": ("Name",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName",),
    "AWS::S3::Bucket": ("BucketName",),
}


@pytest.fixture(scope="module")
def regional_templates() -> dict[str, dict]:
    packages = dict(item.split("=", 1) for item in _required("SHOP_REGION_PACKAGES").split(","))
    assert {"us-east-1", "eu-west-1"} <= packages.keys(), packages
    return {
        region: serverless_config.compiled_template(Path(path) / TEMPLATE_NAME) for region, path in packages.items()
    }


def _evaluate(value: Any, region: str, conditions: dict[str, bool], parameters: dict | None = None) -> Any:
    """A template value as CloudFormation resolves it in `region`: conditions, Fn::If, AWS::NoValue,
    parameters at their defaults (what the deploy passes: the Serverless CLI passes none)."""
    parameters = parameters or {}
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref" and argument == "AWS::Region":
            return region
        if key == "Ref" and argument in parameters:
            return parameters[argument]["Default"]
        if key == "Ref" and argument == "AWS::NoValue":
            return NO_VALUE
        if key == "Condition":
            return conditions[argument]
        if key == "Fn::If":
            name, yes, no = argument
            return _evaluate(yes if conditions[name] else no, region, conditions, parameters)
        if key == "Fn::Equals":
            left, right = (_evaluate(v, region, conditions, parameters) for v in argument)
            return left == right
        if key == "Fn::Not":
            return not _evaluate(argument[0], region, conditions, parameters)
        if key == "Fn::And":
            return all(_evaluate(v, region, conditions, parameters) for v in argument)
        if key == "Fn::Or":
            return any(_evaluate(v, region, conditions, parameters) for v in argument)
    if isinstance(value, dict):
        return {k: _evaluate(v, region, conditions, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [_evaluate(v, region, conditions, parameters) for v in value]
    return value


def _deployed(template: dict, region: str) -> dict[str, dict]:
    """The resources CloudFormation would create in `region`, with their values resolved."""
    conditions: dict[str, bool] = {}
    pending = dict(template.get("Conditions", {}))
    while pending:  # conditions may name conditions
        for name, expression in list(pending.items()):
            try:
                conditions[name] = bool(_evaluate(expression, region, conditions, template.get("Parameters", {})))
            except KeyError:
                continue
            del pending[name]
    return {
        key: _evaluate(resource, region, conditions, template.get("Parameters", {}))
        for key, resource in template["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
    }


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_cloudfronts_web_acl_is_in_the_stack_only_in_us_east_1_and_never_a_placeholder(regional_templates, region):
    template = regional_templates[region]
    assert "none-outside-us-east-1" not in json.dumps(template)
    resources = _deployed(template, region)
    cloudfront_acls = {
        key
        for key, r in resources.items()
        if r["Type"] == "AWS::WAFv2::WebACL" and r["Properties"]["Scope"] == "CLOUDFRONT"
    }
    assert bool(cloudfront_acls) == (region == "us-east-1"), cloudfront_acls
    external = os.environ.get("SITE_WEB_ACL_ARN", "")
    for key, resource in resources.items():
        if resource["Type"] != "AWS::CloudFront::Distribution":
            continue
        acl = resource["Properties"]["DistributionConfig"].get("WebACLId", NO_VALUE)
        if isinstance(acl, dict):  # one of the stack's own, made in this region
            assert acl["Fn::GetAtt"][0] in cloudfront_acls, (key, acl)
        elif acl is not NO_VALUE:  # named from outside: a CLOUDFRONT ACL, which lives in us-east-1
            assert acl == external and acl.startswith("arn:aws:wafv2:us-east-1:"), (key, acl)
    site = resources["SiteDistribution"]["Properties"]["DistributionConfig"]
    # without SITE_WEB_ACL_ARN (as make package runs) the storefront has its ACL in us-east-1 only
    assert (site.get("WebACLId", NO_VALUE) is NO_VALUE) == (region != "us-east-1" and not external)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_names_unique_per_account_carry_the_region(regional_templates, region):
    template = regional_templates[region]
    checked = 0
    for key, resource in template["Resources"].items():
        path = GLOBAL_NAMES.get(resource["Type"])
        if not path:
            continue
        name: Any = resource.get("Properties", {})
        for step in path:
            name = name.get(step) if isinstance(name, dict) else None
        if name is None:
            continue  # CloudFormation generates a unique name (stack, logical id, random suffix)
        checked += 1
        text = json.dumps(name)
        assert "${AWS::Region}" in text or '{"Ref": "AWS::Region"}' in text, (key, name)
    assert checked >= 5  # the site's and the media's CloudFront names, the roles, the media bucket


def test_the_two_regions_package_the_same_resources(regional_templates):
    """Only CloudFormation's conditions tell the regions apart: the same stage, the same resources."""
    east, west = regional_templates["us-east-1"], regional_templates["eu-west-1"]
    # Deployments and versions carry a timestamp or a hash in their logical ids: count those by type.
    hashed = ("AWS::ApiGateway::Deployment", "AWS::Lambda::Version")

    def named(template: dict) -> dict[str, str]:
        return {k: r["Type"] for k, r in template["Resources"].items() if r["Type"] not in hashed}

    def counted(template: dict) -> list[str]:
        return sorted(r["Type"] for r in template["Resources"].values() if r["Type"] in hashed)

    assert named(east) == named(west) and counted(east) == counted(west)
