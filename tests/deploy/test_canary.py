"""Canary releases in the generated template (deploy/plugins/canary.js), for every function of
serverless.yml, including ones added after this test was written."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from devtools import serverless_config
from tests.deploy.conftest import functions, lambda_resources
from tests.integration.test_pre_traffic_hook import expected_probes
from tests.unit.test_canary_plugin import _without_docstrings

ROOT = Path(__file__).resolve().parents[2]
ALIAS = serverless_config.load()["custom"]["canary"]["alias"]
HOOK_ID = "CanaryPreTrafficHookLambdaFunction"
POST_HOOK_ID = "CanaryPostTrafficHookLambdaFunction"
# Resources that must keep naming the function itself, not its alias.
KEEP_UNQUALIFIED = {
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::CloudWatch::Alarm",
    "AWS::CodeDeploy::DeploymentGroup",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Logs::LogGroup",
    "AWS::Logs::SubscriptionFilter",
}


def _ids(template: dict) -> dict[str, str]:
    """Function name in serverless.yml -> logical id of its AWS::Lambda::Function."""
    by_name = {
        r["Properties"]["FunctionName"]: key
        for key, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
    }
    return {name: by_name[properties["FunctionName"]] for name, properties in lambda_resources(template).items()}


def _aliases(template: dict) -> dict[str, tuple[str, dict]]:
    """Function logical id -> (alias logical id, alias resource)."""
    return {
        r["Properties"]["FunctionName"]["Ref"]: (key, r)
        for key, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Alias"
    }


def _version(template: dict, function_id: str) -> str:
    (version,) = [
        key
        for key, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Version" and r["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    return version


def _is_http(name: str) -> bool:
    """Its own http events, or the fallback's ANY events (deploy/plugins/route-fallback.js adds them)."""
    events = functions()[name].get("events", [])
    return name == serverless_config.fallback_function() or any("http" in e for e in events if isinstance(e, dict))


def _is_batch(name: str) -> bool:
    """A queue or stream function: it reports partial batch failures instead of raising."""
    return any("sqs" in e or "stream" in e for e in functions()[name].get("events", []) if isinstance(e, dict))


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_function_is_shifted_by_codedeploy_and_rolled_back_by_its_new_versions_alarms(template, name):
    resources = template["Resources"]
    function_id = _ids(template)[name]
    version = _version(template, function_id)
    alias_id, alias = _aliases(template)[function_id]
    assert alias["Properties"] == {
        "FunctionName": {"Ref": function_id},
        "FunctionVersion": {"Fn::GetAtt": [version, "Version"]},  # the version this deploy publishes
        "Name": ALIAS,
    }
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert update["BeforeAllowTrafficHook"] == {"Ref": HOOK_ID}
    assert update["AfterAllowTrafficHook"] == {"Ref": POST_HOOK_ID}  # the minimum-traffic rule
    application = resources[update["ApplicationName"]["Ref"]]
    assert application["Type"] == "AWS::CodeDeploy::Application"
    assert application["Properties"]["ComputePlatform"] == "Lambda"
    group = resources[update["DeploymentGroupName"]["Ref"]]["Properties"]
    assert group["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert group["DeploymentStyle"] == {"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert group["AutoRollbackConfiguration"]["Enabled"] is True
    assert {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"} <= set(group["AutoRollbackConfiguration"]["Events"])
    assert group["AlarmConfiguration"]["Enabled"] is True
    named = {a["Name"]["Ref"]: resources[a["Name"]["Ref"]]["Properties"] for a in group["AlarmConfiguration"]["Alarms"]}
    http = _is_http(name)
    # the API's 5xx rate as a whole, in every group; and one alarm on the new version of this function
    assert "Api5xxRateAlarm" in named
    (canary,) = [a for key, a in named.items() if key != "Api5xxRateAlarm"]
    metrics = {m["Id"]: m for m in canary["Metrics"]}
    (returned,) = [m for m in canary["Metrics"] if m.get("ReturnData", True)]
    watched = {m["MetricStat"]["Metric"]["MetricName"]: m for m in metrics.values() if "MetricStat" in m}
    batch = _is_batch(name)
    own = "Http5xx" if http else "FailedRecords" if batch else None
    assert set(watched) == {"Errors", "Duration"} | ({own} if own else set())
    # every metric it reads is in the expression it alarms on
    assert set(re.findall(r"[a-z][a-z0-9]*(?=\b)", returned["Expression"])) >= set(metrics) - {returned["Id"]}
    lambda_dimensions = [  # the new version behind the alias, not the function as a whole
        {"Name": "FunctionName", "Value": {"Ref": function_id}},
        {"Name": "Resource", "Value": {"Fn::Join": [":", [{"Ref": function_id}, ALIAS]]}},
        {"Name": "ExecutedVersion", "Value": {"Fn::GetAtt": [version, "Version"]}},
    ]
    for metric_name in ("Errors", "Duration"):
        assert watched[metric_name]["MetricStat"]["Metric"]["Namespace"] == "AWS/Lambda"
        assert watched[metric_name]["MetricStat"]["Metric"]["Dimensions"] == lambda_dimensions
    assert watched["Errors"]["MetricStat"]["Stat"] == "Sum"
    assert watched["Duration"]["MetricStat"]["Stat"] == "p95"
    if own:  # an HTTP function's 5xx answers, a queue or stream function's failed records
        counted = watched[own]["MetricStat"]
        assert counted["Metric"]["Namespace"] == "ShopApi"
        assert counted["Metric"]["Dimensions"] == [
            # as src/shop/edge.py and src/shop/batch_metrics.py name them
            {"Name": "function", "Value": {"Ref": function_id}},
            {"Name": "version", "Value": {"Fn::GetAtt": [version, "Version"]}},
        ]
        assert counted["Stat"] == "Sum"
    periods = {m["MetricStat"]["Period"] for m in watched.values()}
    assert len(periods) == 1 and periods.pop() * canary["EvaluationPeriods"] <= 300  # decides within the canary
    assert (canary["Threshold"], canary["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert canary["AlarmActions"] == [{"Ref": "AlarmTopic"}]  # a rollback is announced
    # each function's own p95 budget: an HTTP function the stage's latency threshold (never over half
    # its timeout), any other function half its timeout (processImage's 60 s upload work is not an API call)
    config = functions()[name]
    half_timeout = 1000 * config.get("timeout", serverless_config.load()["provider"]["timeout"]) / 2
    stage_ms = int(serverless_config.load()["params"]["prod"]["latencyP95AlarmMs"])
    expected = config.get("canary", {}).get("p95Ms") or (min(stage_ms, half_timeout) if http else half_timeout)
    assert f"FILL(p95, 0) > {expected:g}," in returned["Expression"]
    assert alias_id in json.dumps(template["Resources"])  # something invokes the alias


@pytest.mark.parametrize("name", sorted(functions()))
def test_everything_that_invokes_a_function_invokes_its_alias(template, name):
    function_id = _ids(template)[name]
    alias_id, _ = _aliases(template)[function_id]
    resources = template["Resources"]
    for key, resource in resources.items():
        if key == function_id or resource["Type"] in KEEP_UNQUALIFIED:
            continue
        text = json.dumps(resource.get("Properties", {}))
        assert json.dumps({"Fn::GetAtt": [function_id, "Arn"]}) not in text, f"{key} invokes {name} unqualified"
        assert f"${{{function_id}.Arn}}" not in text, key
    routes = [e for e in functions()[name].get("events") or [] if "http" in e] or (
        ["fallback"] if name == serverless_config.fallback_function() else []
    )
    if routes:  # API Gateway calls the alias, and may: integration URIs and the permission
        methods = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Method"]
        uris = [json.dumps(m["Properties"]["Integration"]["Uri"]) for m in methods]
        assert any(json.dumps({"Ref": alias_id}) in uri for uri in uris)
        permissions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
        assert any(
            p["FunctionName"] == {"Ref": alias_id} and p["Principal"] == "apigateway.amazonaws.com" for p in permissions
        )


def _is_checked_in_code(inline: str, name: str) -> bool:
    """The hook's checked-in program as deploy/plugins/canary.js inlines it (comment lines,
    docstrings, blank lines and indentation dropped: the same syntax tree, docstrings aside),
    within CloudFormation's 4,096-character inline limit."""
    source = (ROOT / "deploy" / "hooks" / name).read_text()
    same = ast.dump(ast.parse(inline)) == _without_docstrings(ast.parse(source))
    return same and len(inline.encode()) <= 4096


def _functions_setting(template: dict, name: str) -> str:
    """The one value every function of the stack that sets `name` has in its environment."""
    (value,) = {variables[name] for variables in _variables(template) if name in variables}
    return value


def _variables(template: dict) -> list[dict]:
    """Each function of serverless.yml's environment in the template."""
    deployed = lambda_resources(template)
    return [deployed[name].get("Environment", {}).get("Variables", {}) for name in functions()]


# What both hooks' roles allow: their logs, traces, and CodeDeploy's two calls.
HOOK_ACTIONS = (
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "codedeploy:GetDeployment",
    "codedeploy:PutLifecycleEventHookExecutionStatus",
)


def hook_statements(resources, hook) -> dict:
    """The hook role's statements by action."""
    role = resources[hook["Role"]["Fn::GetAtt"][0]]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    return {a: s for s in statements for a in s["Action"]}


def test_the_pre_traffic_hook_is_the_checked_in_code_with_least_privilege(template):
    resources = template["Resources"]
    hook = resources[HOOK_ID]["Properties"]
    assert _is_checked_in_code(hook["Code"]["ZipFile"], "pre_traffic.py")
    assert hook["Runtime"] == serverless_config.load()["provider"]["runtime"]
    assert hook["TracingConfig"] == {"Mode": "Active"}
    variables = hook["Environment"]["Variables"]
    assert json.loads(variables["PROBES"]) == expected_probes()
    # the probe token is signed with the secret the functions verify with (and their issuer and
    # audience, when serverless.yml sets them; otherwise both sides take src/shop/config.py's)
    parameter = _functions_setting(template, "JWT_SECRET_PARAMETER")
    assert variables["JWT_SECRET_PARAMETER"] == parameter
    for setting in ("JWT_ISSUER", "JWT_AUDIENCE"):
        functions_set = any(setting in v for v in _variables(template))
        assert variables.get(setting) == (_functions_setting(template, setting) if functions_set else None)
    by_action = hook_statements(resources, hook)
    assert set(by_action) == {
        *HOOK_ACTIONS,
        "lambda:InvokeFunction",
        "lambda:GetFunctionConfiguration",
        "ssm:GetParameter",
        "kms:Decrypt",
    }
    # exactly the one parameter (not its -previous: the hook signs with the current secret) ...
    assert by_action["ssm:GetParameter"] == {
        "Effect": "Allow",
        "Action": ["ssm:GetParameter"],
        "Resource": {
            "Fn::Sub": f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{parameter}"
        },
    }
    # ... and the stack key it is encrypted with, through SSM only
    key = serverless_config.load()["custom"]["stackKey"]
    assert resources[key]["Type"] == "AWS::KMS::Key"
    assert by_action["kms:Decrypt"] == {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": {"Fn::GetAtt": [key, "Arn"]},
        "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}}},
    }
    invoke = by_action["lambda:InvokeFunction"]["Resource"]
    # exactly the stack's functions (by their name pattern, never a GetAtt each: see
    # test_the_canary_roles_name_the_functions_by_pattern_so_no_function_depends_on_another), by version
    pattern = _stack_functions(template)
    assert invoke == [{"Fn::Sub": f"{pattern}:*"}]
    assert by_action["lambda:GetFunctionConfiguration"]["Resource"] == [{"Fn::Sub": f"{pattern}:*"}]
    assert (
        "deploymentgroup:${CanaryApplication}/*"
        in by_action["codedeploy:PutLifecycleEventHookExecutionStatus"]["Resource"]["Fn::Sub"]
    )
    assert not any(a.endswith("*") for a in by_action)
    # CodeDeploy may invoke this hook and move this stack's aliases, nothing else
    codedeploy = resources["CanaryCodeDeployRole"]["Properties"]
    assert codedeploy["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["codedeploy.amazonaws.com"]
    }
    assert "ManagedPolicyArns" not in codedeploy
    shifting = {a: s for p in codedeploy["Policies"] for s in p["PolicyDocument"]["Statement"] for a in s["Action"]}
    assert shifting["lambda:UpdateAlias"]["Resource"] == [{"Fn::Sub": f"{pattern}:{ALIAS}"}]
    assert shifting["lambda:GetProvisionedConcurrencyConfig"]["Resource"] == [
        {"Fn::Sub": pattern},
        {"Fn::Sub": f"{pattern}:*"},
    ]
    post = resources[POST_HOOK_ID]["Properties"]
    assert [r["Fn::Sub"].rsplit(":", 1)[-1] for r in shifting["lambda:InvokeFunction"]["Resource"]] == [
        hook["FunctionName"],
        post["FunctionName"],
    ]


def test_the_post_traffic_hook_holds_each_functions_minimum_with_least_privilege(template):
    """The minimum-traffic rule (deploy/hooks/post_traffic.py): an HTTP function's minimum is the
    stage's (prod here), any other function's 0 unless it declares `canary: {minRequests}`."""
    resources = template["Resources"]
    hook = resources[POST_HOOK_ID]["Properties"]
    assert _is_checked_in_code(hook["Code"]["ZipFile"], "post_traffic.py")
    assert hook["TracingConfig"] == {"Mode": "Active"}
    variables = hook["Environment"]["Variables"]
    assert variables["ALIAS"] == ALIAS
    assert (
        variables["FUNCTION_PREFIX"] == resources[HOOK_ID]["Properties"]["Environment"]["Variables"]["FUNCTION_PREFIX"]
    )
    stage_minimum = int(serverless_config.load()["params"]["prod"]["canaryMinRequests"])
    assert stage_minimum >= 1
    expected = {
        name: config.get("canary", {}).get("minRequests", stage_minimum if _is_http(name) else 0)
        for name, config in functions().items()
    }
    assert json.loads(variables["MIN_REQUESTS"]) == expected
    by_action = hook_statements(resources, hook)
    assert set(by_action) == {
        *HOOK_ACTIONS,
        "cloudwatch:GetMetricData",  # no resource-level permission exists for it
    }
    assert "deploymentgroup:${CanaryApplication}/*" in by_action["codedeploy:GetDeployment"]["Resource"]["Fn::Sub"]
    assert by_action["logs:PutLogEvents"]["Resource"]["Fn::Sub"].endswith(
        f"log-group:/aws/lambda/{hook['FunctionName']}:*"
    )
    group = resources["CanaryPostTrafficHookLogGroup"]["Properties"]
    assert group["LogGroupName"] == f"/aws/lambda/{hook['FunctionName']}"
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["ShopKey", "Arn"]}


def _functions(template: dict) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}


def _stack_functions(template: dict) -> str:
    """The ARN pattern of this stack's functions: <service>-<stage>-*, which every function's
    name (and nothing outside the stack) matches."""
    hook = template["Resources"][HOOK_ID]["Properties"]
    prefix = hook["Environment"]["Variables"]["FUNCTION_PREFIX"]
    service = serverless_config.load()["service"]
    assert prefix.startswith(f"{service}-") and prefix.endswith("-") and prefix.count("-") >= 2, prefix
    for key, function in _functions(template).items():
        assert function["Properties"]["FunctionName"].startswith(prefix), key
    return "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + prefix + "*"


def test_the_canary_roles_name_the_functions_by_pattern_so_no_function_depends_on_another(template):
    """Defect class: the roles named each function by GetAtt, so every alias (alias -> deployment
    group -> CodeDeploy role; alias -> hook -> hook role) depended on every function. With
    createProduct's MEDIA_BASE_URL from the media CDN, whose bucket notifies processImage's alias,
    that was a cycle (cfn-lint E3004, and CloudFormation refuses the stack)."""
    resources = template["Resources"]
    function_ids = set(_functions(template))
    assert len(function_ids) > len(functions())  # the stack's and the hook
    for key in ("CanaryCodeDeployRole", "CanaryPreTrafficHookRole"):
        text = json.dumps(resources[key])
        assert not [f for f in function_ids if f'"{f}"' in text], f"{key} names a function resource"


def test_the_hook_itself_is_not_canaried_and_logs_under_the_stack_key(template):
    resources = template["Resources"]
    assert HOOK_ID not in _aliases(template)
    group = resources["CanaryPreTrafficHookLogGroup"]["Properties"]
    assert group["LogGroupName"] == f"/aws/lambda/{resources[HOOK_ID]['Properties']['FunctionName']}"
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["ShopKey", "Arn"]}
