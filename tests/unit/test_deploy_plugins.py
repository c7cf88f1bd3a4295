"""deploy/plugins/hardening.js run by node on small templates: the CORS header of gateway-made
errors (stage throttling's 429, the WAF's 403 and 429) for the allowed origin, and never one
that would let any origin read them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[2] / "deploy" / "plugins" / "hardening.js"
NODE = shutil.which("node")
RUN = """
const Plugin = require(process.argv[1]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const serverless = {
  service: {
    custom: { stackKey: 'Key' },
    functions: input.functions,
    provider: { environment: { CORS_ALLOWED_ORIGINS: input.origins }, compiledCloudFormationTemplate: input.template },
  },
  classes: { Error },
  getProvider: () => ({
    naming: { getLambdaLogicalId: (name) => name[0].toUpperCase() + name.slice(1) + 'LambdaFunction' },
  }),
};
new Plugin(serverless).hooks['after:aws:package:finalize:mergeCustomProviderResources']();
process.stdout.write(JSON.stringify(input.template));
"""


def _template() -> dict:
    rate_rule = {
        "Name": "RatePerIp",
        "Action": {
            "Block": {
                "CustomResponse": {
                    "ResponseCode": 429,
                    "CustomResponseBodyKey": "TooManyRequests",
                    "ResponseHeaders": [{"Name": "Retry-After", "Value": "300"}],
                }
            }
        },
    }
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
            "Throttled": {
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {
                    "ResponseType": "THROTTLED",
                    "ResponseParameters": {"gatewayresponse.header.X-Content-Type-Options": "'nosniff'"},
                },
            },
            "Waf": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {"ResponseType": "WAF_FILTERED"}},
            "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Rules": [rate_rule]}},
            "OtherAcl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Rules": [json.loads(json.dumps(rate_rule))]}},
            "Association": {
                "Type": "AWS::WAFv2::WebACLAssociation",
                "Properties": {
                    "ResourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${ApiGatewayRestApi}/x"
                    },
                    "WebACLArn": {"Fn::GetAtt": ["Acl", "Arn"]},
                },
            },
            "FnLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 14}},
            "ApiLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "WorkerLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "NotifierLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "DirectLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {}},
        }
    }


def _run(origins: str) -> dict:
    if NODE is None:
        pytest.fail("node is needed (make installs the npm tooling next to it)")
    functions = {
        "api": {"events": [{"http": {"method": "get", "path": "/x"}}]},
        "worker": {"events": [{"sqs": {"arn": "q"}}]},
        "notifier": {"events": [{"sns": "orders"}, {"http": {"method": "post", "path": "/y"}}]},
        "direct": {},
    }
    done = subprocess.run(  # noqa: S603 - our own node script and plugin
        [NODE, "-e", RUN, str(PLUGIN)],
        input=json.dumps({"template": _template(), "origins": origins, "functions": functions}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)["Resources"]


def _waf_headers(rule: dict) -> dict:
    return {h["Name"]: h["Value"] for h in rule["Action"]["Block"]["CustomResponse"]["ResponseHeaders"]}


def test_one_allowed_origin_is_named_on_every_gateway_error_and_the_apis_waf_blocks():
    resources = _run("https://shop.example/")
    for key in ("Throttled", "Waf"):
        parameters = resources[key]["Properties"]["ResponseParameters"]
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://shop.example'"
        assert parameters["gatewayresponse.header.Vary"] == "'Origin'"
    assert (
        resources["Throttled"]["Properties"]["ResponseParameters"]["gatewayresponse.header.X-Content-Type-Options"]
        == "'nosniff'"
    )
    (rule,) = resources["Acl"]["Properties"]["Rules"]
    assert _waf_headers(rule) == {
        "Retry-After": "300",
        "Access-Control-Allow-Origin": "https://shop.example",
        "Vary": "Origin",
    }
    (other,) = resources["OtherAcl"]["Properties"]["Rules"]  # not the API's ACL (a CloudFront one, say)
    assert _waf_headers(other) == {"Retry-After": "300"}


@pytest.mark.parametrize("origins", ["", "https://shop.example,https://admin.shop.example"])
def test_no_origin_or_several_never_sends_a_header_that_would_admit_any_origin(origins):
    text = json.dumps(_run(origins))
    assert "Access-Control-Allow-Origin" not in text


def test_log_groups_get_the_stack_key_and_only_functions_never_invoked_async_skip_the_dlq_check():
    resources = _run("")
    assert resources["FnLogGroup"]["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}
    reasons = {}
    for name in ("Api", "Worker"):
        (skipped,) = resources[f"{name}LambdaFunction"]["Metadata"]["checkov"]["skip"]
        assert skipped["id"] == "CKV_AWS_116"
        reasons[name] = skipped["comment"]
    assert "synchronously" in reasons["Api"] and "redrive" in reasons["Worker"]
    for name in ("Notifier", "Direct"):  # an async source (SNS), or nobody knows: the check stays
        assert "Metadata" not in resources[f"{name}LambdaFunction"]


def test_a_wildcard_origin_is_refused_at_package_time():
    with pytest.raises(RuntimeError, match="'\\*' is not allowed"):
        _run("https://shop.example, *")


SITE = {"Fn::Sub": "https://${SiteDistribution.DomainName}"}


def test_the_storefront_domain_from_the_stack_as_the_one_origin_is_named_by_reference():
    resources = _run({"Fn::Join": [",", [SITE, ""]]})  # serverless.yml's form, no extra origins
    for key in ("Throttled", "Waf"):
        parameters = resources[key]["Properties"]["ResponseParameters"]
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == {"Fn::Join": ["", ["'", SITE, "'"]]}
    (rule,) = resources["Acl"]["Properties"]["Rules"]
    assert _waf_headers(rule)["Access-Control-Allow-Origin"] == SITE


@pytest.mark.parametrize(
    "origins",
    [
        {"Fn::Join": [",", [SITE, "https://shop.example"]]},
        {"Fn::Join": [",", [SITE, "https://a.example,https://b.example"]]},
        {"Fn::Sub": "https://${SiteDistribution.DomainName},https://shop.example"},
    ],
)
def test_the_storefront_domain_and_more_origins_send_no_header(origins):
    assert "Access-Control-Allow-Origin" not in json.dumps(_run(origins))
