"""deploy/plugins/emulator.js's one reducing step, run by node: what moto's CloudFormation cannot
create leaves the rehearsal's template, counted by type, and what referred to it still deploys
(an alias becomes its function, anything else a named placeholder). Without
SHOP_EMULATOR_ENDPOINT the plugin does nothing (every real deploy and package)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[2] / "deploy" / "plugins" / "emulator.js"
NODE = shutil.which("node")
REDUCE = """
const { reduceForEmulator, report } = require(process.argv[1]);
const template = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const result = reduceForEmulator(template);
process.stdout.write(JSON.stringify({ template, result, report: report(result) }));
"""
INERT = """
const Plugin = require(process.argv[1]);
const serverless = { service: { provider: {}, custom: {} }, classes: { Error } };
const plugin = new Plugin(serverless, { stage: 'dev' }, {});
process.stdout.write(JSON.stringify({ hooks: Object.keys(plugin.hooks), service: serverless.service }));
"""


def _node(script: str, stdin: str = "", env: dict | None = None) -> dict:
    if NODE is None:
        pytest.fail("node is needed (make installs the npm tooling next to it)")
    done = subprocess.run(  # noqa: S603 - our own node script and plugin
        [NODE, "-e", script, str(PLUGIN)], input=stdin, capture_output=True, text=True, timeout=60, env=env
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def _template() -> dict:
    fn_arn = {"Fn::GetAtt": ["HealthLambdaFunction", "Arn"]}
    return {
        "Resources": {
            "HealthLambdaFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Environment": {"Variables": {"ORIGINS": {"Fn::Sub": "https://${SiteDistribution.DomainName}"}}}
                },
            },
            "HealthLambdaAlias": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionName": {"Ref": "HealthLambdaFunction"}},
            },
            "HealthCanaryErrorsAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
            "HealthDeploymentGroup": {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": {}},
            "SiteDistribution": {"Type": "AWS::CloudFront::Distribution", "Properties": {}},
            "SiteOac": {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {}},
            "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {}},
            "Permission": {
                "Type": "AWS::Lambda::Permission",
                "DependsOn": ["HealthLambdaAlias", "HealthLambdaFunction"],
                "Properties": {"FunctionName": {"Ref": "HealthLambdaAlias"}},
            },
            "Method": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "Uri": {
                        "Fn::Sub": "arn:aws:apigateway:us-east-1:lambda:path/functions/${HealthLambdaAlias}/invocations"
                    }
                },
            },
        },
        "Outputs": {
            "SiteUrl": {"Value": {"Fn::Sub": "https://${SiteDistribution.DomainName}"}},
            "FunctionArn": {"Value": fn_arn},
        },
    }


def test_unsupported_types_are_removed_counted_by_type_and_what_referred_to_them_still_deploys():
    result = _node(REDUCE, json.dumps(_template()))
    resources = result["template"]["Resources"]
    assert set(resources) == {"HealthLambdaFunction", "Permission", "Method"}
    assert result["result"]["removed"] == {
        "AWS::CloudFront::Distribution": 1,
        "AWS::CloudFront::OriginAccessControl": 1,
        "AWS::CloudWatch::Alarm": 1,
        "AWS::CodeDeploy::DeploymentGroup": 1,
        "AWS::Lambda::Alias": 1,
        "AWS::WAFv2::WebACL": 1,
    }
    assert result["result"]["kept"] == {
        "AWS::ApiGateway::Method": 1,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::Permission": 1,
    }
    # the alias stands for its function; a removed distribution's domain becomes a named placeholder
    assert resources["Permission"]["Properties"]["FunctionName"] == {"Fn::GetAtt": ["HealthLambdaFunction", "Arn"]}
    assert resources["Permission"]["DependsOn"] == ["HealthLambdaFunction"]
    assert "${HealthLambdaFunction.Arn}" in resources["Method"]["Properties"]["Uri"]["Fn::Sub"]
    origins = resources["HealthLambdaFunction"]["Properties"]["Environment"]["Variables"]["ORIGINS"]
    assert origins == {"Fn::Sub": "https://emulator-removed-SiteDistribution-DomainName"}
    assert result["result"]["droppedOutputs"] == ["SiteUrl"]
    assert "FunctionArn" in result["template"]["Outputs"]
    printed = result["report"]
    assert "removed 6 resources" in printed and "  - AWS::Lambda::Alias: 1" in printed
    assert "deploying 3 resources" in printed and "outputs left out: SiteUrl" in printed


def test_without_the_emulator_endpoint_the_plugin_does_nothing():
    result = _node(INERT, env={"PATH": "/usr/bin:/bin"})
    assert result["hooks"] == []
    assert result["service"] == {"provider": {}, "custom": {}}
