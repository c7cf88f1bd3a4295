"""deploy/plugins/canary.js run by node on a small template holding the kinds of invokers other
functions bring (an SQS or DynamoDB stream mapping, an SNS subscription, a bucket notification,
a schedule): each is pointed at the function's alias, and what must name the function itself
(its version, its role, its log group) is left alone; an HTTP function's probe gets the signing
settings and exactly the read of that secret; the hooks' inlined code is the checked-in program.
The generated template of serverless.yml is checked in tests/deploy/test_canary.py."""

from __future__ import annotations

import ast
import contextlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "deploy" / "plugins" / "canary.js"
HOOKS = [ROOT / "deploy" / "hooks" / "pre_traffic.py", ROOT / "deploy" / "hooks" / "post_traffic.py"]
NODE = shutil.which("node")
RUN = """
const fs = require('fs');
const Plugin = require(process.argv[1]);
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
if (input.hookSource) {  // the pre-traffic hook's file as the test writes it
  const read = fs.readFileSync;
  const hook = (file) => String(file).endsWith('pre_traffic.py');
  fs.readFileSync = (file, ...rest) => (hook(file) ? input.hookSource : read(file, ...rest));
}
const naming = { getLambdaLogicalId: (name) => name[0].toUpperCase() + name.slice(1) + 'LambdaFunction' };
const serverless = {
  service: {
    service: 'shop',
    custom: { canary: input.canary, ...input.custom },
    functions: input.functions,
    provider: {
      runtime: 'python3.12',
      logRetentionInDays: 14,
      environment: input.environment,
      compiledCloudFormationTemplate: input.template,
    },
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


def _node(script: str, *args: str, stdin: str = "") -> str:
    if NODE is None:
        pytest.fail("node is needed (make installs the npm tooling next to it)")
    done = subprocess.run(  # noqa: S603 - our own node script and plugin
        [NODE, "-e", script, *args], input=stdin, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def _run(functions: dict, canary: dict = CANARY, **extra) -> dict:
    """extra: environment (provider.environment), custom (besides canary), resources (added to the
    template), hookSource (the pre-traffic hook's file)."""
    template = _template()
    template["Resources"].update(extra.pop("resources", {}))
    return json.loads(
        _node(
            RUN,
            str(PLUGIN),
            stdin=json.dumps({"template": template, "functions": functions, "canary": canary, **extra}),
        )
    )


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


# An HTTP function of the stack (the worker above has no route) and what its probe is signed with.
API = {
    "ApiLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "shop-dev-api"}},
    "ApiLambdaVersionXyz": {
        "Type": "AWS::Lambda::Version",
        "Properties": {"FunctionName": {"Ref": "ApiLambdaFunction"}},
    },
    "StackKey": {"Type": "AWS::KMS::Key", "Properties": {}},
}
SIGNED = {
    "resources": API,
    "custom": {"stackKey": "StackKey"},
    "environment": {"JWT_SECRET_PARAMETER": "/shop/dev/jwt-secret", "JWT_ISSUER": "shop", "TABLE_NAME": "shop-dev"},
}
ROUTE = {"events": [{"http": {"method": "get", "path": "/me"}}]}


def _hook(resources: dict) -> tuple[dict, list[dict]]:
    """The pre-traffic hook's environment and its role's statements."""
    hook = resources["CanaryPreTrafficHookLambdaFunction"]["Properties"]
    role = resources[hook["Role"]["Fn::GetAtt"][0]]["Properties"]
    return hook["Environment"]["Variables"], [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]


def test_an_http_probe_is_signed_with_the_functions_secret_and_the_hook_may_read_exactly_that():
    variables, statements = _hook(_run({"api": ROUTE}, **SIGNED)["Resources"])
    assert json.loads(variables["PROBES"]) == {"api": {"method": "GET", "path": "/me"}}
    # what the functions verify with (not the rest of their environment)
    assert {k: v for k, v in variables.items() if k.startswith("JWT_")} == {
        "JWT_SECRET_PARAMETER": "/shop/dev/jwt-secret",
        "JWT_ISSUER": "shop",
    }
    assert "TABLE_NAME" not in variables
    secret = [s for s in statements if any(a.startswith(("ssm:", "kms:")) for a in s["Action"])]
    assert secret == [
        {
            "Effect": "Allow",
            "Action": ["ssm:GetParameter"],  # the one parameter: not its -previous, not a path
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/shop/dev/jwt-secret"
            },
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],  # the stack key, through SSM only
            "Resource": {"Fn::GetAtt": ["StackKey", "Arn"]},
            "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}}},
        },
    ]


def test_without_an_http_probe_the_hook_reads_no_secret():
    variables, statements = _hook(_run({"worker": {"events": [{"sqs": {"arn": "q"}}]}})["Resources"])
    assert not [k for k in variables if k.startswith("JWT_")]
    assert not [a for s in statements for a in s["Action"] if a.startswith(("ssm:", "kms:"))]


def test_an_http_probe_without_its_signing_settings_is_refused_at_package_time():
    unset = {**SIGNED, "environment": {"TABLE_NAME": "shop-dev"}}
    assert "JWT_SECRET_PARAMETER" in _run({"api": ROUTE}, **unset)["error"]
    no_key = {**SIGNED, "custom": {}}
    assert "custom.stackKey" in _run({"api": ROUTE}, **no_key)["error"]
    # a function verifying with another issuer than the one the hook signs for
    own = {**ROUTE, "environment": {"JWT_ISSUER": "elsewhere"}}
    assert "api sets its own JWT_ISSUER" in _run({"api": own}, **SIGNED)["error"]
    same = {**ROUTE, "environment": {"JWT_ISSUER": "shop"}}
    assert "error" not in _run({"api": same}, **SIGNED)


def _without_docstrings(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = node.body[1:]
    return ast.dump(tree)


def _inlined(source: str) -> str:
    return _node(
        "process.stdout.write(require(process.argv[1]).inlineCode(require('fs').readFileSync(0, 'utf8')))",
        str(PLUGIN),
        stdin=source,
    )


@pytest.mark.parametrize("path", HOOKS, ids=lambda path: path.name)
def test_a_hooks_inlined_code_is_the_checked_in_program_within_the_limit(path):
    """Comment lines, docstrings, blank lines and indentation go; the program stays: the same
    syntax tree (docstrings aside), so the hooks' tests, which run the checked-in file, hold for it."""
    source = path.read_text()
    inlined = _inlined(source)
    assert len(inlined.encode()) <= 4096 and len(inlined) < len(source)  # CloudFormation's inline limit
    assert ast.dump(ast.parse(inlined)) == _without_docstrings(ast.parse(source))
    assert "__doc__" not in source  # nothing reads what was dropped
    hook = {"pre_traffic": "CanaryPreTrafficHookLambdaFunction", "post_traffic": "CanaryPostTrafficHookLambdaFunction"}
    resources = _run({"api": ROUTE}, **SIGNED)["Resources"]
    assert resources[hook[path.stem]]["Properties"]["Code"]["ZipFile"] == inlined


def test_the_inlining_drops_only_what_python_does_not_run_and_the_tree_check_sees_the_rest():
    source = 'def f():\n    """Doc,\n    two lines."""\n\n    # gone\n    return {\n        "a": "#",  # kept\n    }\n'
    assert _inlined(source) == 'def f():\n return {\n  "a": "#",  # kept\n }\n'
    # A triple-quoted string that is not a docstring is not the inlining's to keep (its lines may
    # go): the syntax-tree comparison above is what refuses such a hook.
    changed = 'X = """\n# a line of the string\n"""\n'
    inlined = _inlined(changed)
    with contextlib.suppress(SyntaxError):
        assert ast.dump(ast.parse(inlined)) != _without_docstrings(ast.parse(changed))


def test_a_hook_over_the_inline_limit_is_refused_at_package_time():
    source = HOOKS[0].read_text() + "".join(f'PAD_{i} = "{"x" * 90}"\n' for i in range(10))
    error = _run({"api": ROUTE}, hookSource=source, **SIGNED)["error"]
    assert "deploy/hooks/pre_traffic.py is" in error and "over CloudFormation's 4096" in error
