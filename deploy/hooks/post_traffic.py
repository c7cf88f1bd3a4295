"""CodeDeploy post-traffic hook, inlined by deploy/plugins/canary.js (4 KB at most).
No version is left promoted on no data: once the canary's traffic has moved, each new version
must have served at least its minimum of requests through the alias since the deployment
began (Lambda's Invocations by alias and executed version), else the deployment fails and
CodeDeploy moves the alias back to the old version."""

import datetime
import json
import os
import re

import boto3

codedeploy = boto3.client("codedeploy")
cloudwatch = boto3.client("cloudwatch")


def targets(deployment):
    """(function name, target version) of each function in the AppSpec, JSON or YAML."""
    spec = deployment["revision"]["appSpecContent"]["content"]
    names = re.findall(r"\bName[\"']?\s*:\s*[\"']?([\w.:-]+)", spec)
    versions = re.findall(r"\bTargetVersion[\"']?\s*:\s*[\"']?(\w+)", spec)
    return list(zip(names, versions, strict=True))


def served(name, version, start, end):
    """Requests the version served through the alias between start and end."""
    metric = {
        "Namespace": "AWS/Lambda",
        "MetricName": "Invocations",
        "Dimensions": [
            {"Name": "FunctionName", "Value": name},
            {"Name": "Resource", "Value": f"{name}:{os.environ['ALIAS']}"},
            {"Name": "ExecutedVersion", "Value": version},
        ],
    }
    total, token = 0.0, None
    while True:
        page = cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "served", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}}],
            StartTime=start,
            EndTime=end,
            **({"NextToken": token} if token else {}),
        )
        total += sum(v for r in page["MetricDataResults"] for v in r["Values"])
        token = page.get("NextToken")
        if not token:
            return total


def handler(event, context):
    minimums = json.loads(os.environ["MIN_REQUESTS"])
    prefix = os.environ["FUNCTION_PREFIX"]
    failures = []
    try:
        deployment = codedeploy.get_deployment(deploymentId=event["DeploymentId"])["deploymentInfo"]
        end = datetime.datetime.now(datetime.UTC)
        found = targets(deployment)
        if not found:
            failures.append("the deployment names no function")
        for name, version in found:
            need = minimums.get(name.removeprefix(prefix))
            if need is None:
                failures.append(f"{name} is not a function of this stack")
            elif need > 0:
                got = served(name, version, deployment["createTime"], end)
                if got < need:
                    failures.append(f"{name}:{version} served {got:g} requests in its canary, fewer than {need}")
    except Exception as error:  # any failure must fail the deployment, not leave it waiting
        failures.append(f"hook error: {type(error).__name__}: {error}")
    status = "Failed" if failures else "Succeeded"
    print(json.dumps({"deployment": event.get("DeploymentId"), "status": status, "failures": failures}))
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return {"status": status, "failures": failures}
