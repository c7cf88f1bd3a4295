"""deploy/plugins/canary.js run by node on a small template holding the kinds of invokers other
functions bring (an SQS or DynamoDB stream mapping, an SNS subscription, a bucket notification,
a schedule): each is pointed at the function's alias, and what must name the function itself
(its version, its role, its log group) is left alone. The generated template of serverless.yml
is checked in tests/deploy/test_canary.py."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[2] / "deploy" / "plugins" / "canary.js"
NODE = shutil.which("node")
RUN = """
const Plugin = require(process.argv[1]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const naming = { getLambdaLogicalId: (name) => name[0].toUpperCase() + name.slice(1) + 'LambdaFunction' };
const serverless = {
  service: {
    service: 'shop',
    custom: { canary: input.canary },
    functions: input.functions,
    provider: { runtime: 'python3.12', logRetentionInDays: 14, compiledCloudFormationTemplate: input.template },
  },
  classes: { Error },
  getProvider: () => ({ naming, getStage: () => 'dev' }),
  configSchemaHandler: { defineFunctionProperties: () => {} },
};
try {
  new Plugin(serverless).hooks['after:aws:package:finalize:mergeCustomProviderResources']();
  process.stdout.write(JSON.stringify(input.template));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error.message }));
}
"""
ARN = {"Fn::GetAtt": ["WorkerLambdaFunction", "Arn"]}
CANARY = {
    "alias": "live",
    "deploymentConfig": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "durationAlarmMs": 900,
}


def _template() -> dict:
    return {
        "Resources": {
            "WorkerLambdaFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"FunctionName": "shop-dev-worker"},
            },
            "WorkerLambdaVersionAbc": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": {"Ref": "WorkerLambdaFunction"}},
            },
            "WorkerLogGroup": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": "/aws/lambda/shop-dev-worker"},
            },
            "WorkerRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"Resource": ARN}]}},
            "QueueMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"FunctionName": ARN}},
            "TopicSubscription": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {"Endpoint": ARN, "Protocol": "lambda"},
            },
            "Images": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"NotificationConfiguration": {"LambdaConfigurations": [{"Function": ARN}]}},
            },
            "Schedule": {
                "Type": "AWS::Events::Rule",
                "Properties": {"Targets": [{"Arn": {"Fn::Sub": "${WorkerLambdaFunction.Arn}"}}]},
            },
            "InvokePermission": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": ARN}},
        }
    }


def _run(functions: dict, canary: dict = CANARY) -> dict:
    if NODE is None:
        pytest.fail("node is needed (make installs the npm tooling next to it)")
    done = subprocess.run(  # noqa: S603 - our own node script and plugin
        [NODE, "-e", RUN, str(PLUGIN)],
        input=json.dumps({"template": _template(), "functions": functions, "canary": canary}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_every_invoker_of_a_function_is_pointed_at_its_alias_and_the_rest_left_alone():
    resources = _run({"worker": {"events": [{"sqs": {"arn": "q"}}]}})["Resources"]
    alias = {"Ref": "WorkerLambdaAlias"}
    assert resources["QueueMapping"]["Properties"]["FunctionName"] == alias
    assert resources["TopicSubscription"]["Properties"]["Endpoint"] == alias
    assert (
        resources["Images"]["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0]["Function"] == alias
    )
    assert resources["Schedule"]["Properties"]["Targets"][0]["Arn"] == {"Fn::Sub": "${WorkerLambdaAlias}"}
    assert resources["InvokePermission"]["Properties"]["FunctionName"] == alias
    assert resources["WorkerRole"]["Properties"]["Policies"][0]["Resource"] == ARN
    assert resources["WorkerLambdaVersionAbc"]["Properties"]["FunctionName"] == {"Ref": "WorkerLambdaFunction"}
    assert resources["WorkerLambdaAlias"]["Properties"]["FunctionVersion"] == {
        "Fn::GetAtt": ["WorkerLambdaVersionAbc", "Version"]
    }
    probes = json.loads(
        resources["CanaryPreTrafficHookLambdaFunction"]["Properties"]["Environment"]["Variables"]["PROBES"]
    )
    assert probes == {"worker": {}}  # no route: the hook checks that the new version is Active


def test_a_declared_health_event_reaches_the_hook_and_http_routes_become_probes():
    functions = {
        "worker": {"events": [{"sqs": {"arn": "q"}}], "canary": {"healthEvent": {"Records": []}}},
    }
    resources = _run(functions)["Resources"]
    probes = json.loads(
        resources["CanaryPreTrafficHookLambdaFunction"]["Properties"]["Environment"]["Variables"]["PROBES"]
    )
    assert probes == {"worker": {"event": {"Records": []}}}
    variables = resources["CanaryPreTrafficHookLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["FUNCTION_PREFIX"] == "shop-dev-"


def test_a_function_without_a_version_or_settings_is_refused_at_package_time():
    assert "deploymentConfig" in _run({"worker": {}}, canary={})["error"]
    assert "no function or version" in _run({"other": {}})["error"]


def test_a_queue_functions_canary_alarm_counts_its_failed_records_by_version():
    """A partial batch failure never raises: the alarm adds the function's own FailedRecords."""
    resources = _run({"worker": {"events": [{"sqs": {"arn": "q"}}]}})["Resources"]
    alarm = resources["WorkerCanaryAlarm"]["Properties"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    failed = [m["MetricStat"]["Metric"] for m in metrics.values() if "MetricStat" in m]
    assert [m["MetricName"] for m in failed] == ["Errors", "Duration", "FailedRecords"]
    assert failed[2]["Dimensions"] == [
        {"Name": "function", "Value": {"Ref": "WorkerLambdaFunction"}},
        {"Name": "version", "Value": {"Fn::GetAtt": ["WorkerLambdaVersionAbc", "Version"]}},
    ]
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert returned["Expression"] == "FILL(errors, 0) + FILL(own0, 0) + IF(FILL(p95, 0) > 3000, 1, 0)"
    group = resources["WorkerDeploymentGroup"]["Properties"]["AlarmConfiguration"]["Alarms"]
    assert group == [{"Name": {"Ref": "WorkerCanaryAlarm"}}]
