"""What `make deploy` checks on the target account before it deploys (docs/DEPLOY.md).

    python -m devtools.deploy_preflight [--stage dev] [--create-logs-role]

API Gateway writes the stage's access logs through one account-wide role, set per region with
`update-account`. Without it, Serverless' post-deploy call that switches the access logs on fails
after the stack is up ("CloudWatch Logs role ARN must be set in account settings"). This checks
the setting and that the role it names exists and trusts API Gateway, and says what to do; with
--create-logs-role (`make apigateway-logs-role`) it creates the role and sets it. It also warns
when the stage's signing secret is not stored yet (routes that sign tokens answer 500 until it is,
and the canary's pre-traffic hook rolls their new versions back).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import boto3
from botocore.exceptions import ClientError

SERVICE = "shop-api"
ROLE_NAME = "apigateway-cloudwatch-logs"
MANAGED_POLICY = "arn:{partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


class PreflightFailed(Exception):
    pass


def _trusts_api_gateway(document: Any) -> bool:
    if isinstance(document, str):
        document = json.loads(document)
    for statement in document.get("Statement", []):
        services = statement.get("Principal", {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") == "Allow" and "apigateway.amazonaws.com" in services:
            return True
    return False


def check_logs_role(apigateway, iam) -> str:
    """The account's API Gateway CloudWatch role ARN, or PreflightFailed saying what to do."""
    arn = apigateway.get_account().get("cloudwatchRoleArn") or ""
    how = (
        "API Gateway has no CloudWatch Logs role in this account and region, so the stage's access\n"
        "logs cannot be switched on and the deploy would fail after creating the stack. Either run\n"
        "  make apigateway-logs-role        (creates the role `apigateway-cloudwatch-logs` and sets it)\n"
        "or set an existing role trusted by apigateway.amazonaws.com with AmazonAPIGatewayPushToCloudWatchLogs:\n"
        "  aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=<role arn>"
    )
    if not arn:
        raise PreflightFailed(how)
    try:
        role = iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]
    except ClientError as error:
        raise PreflightFailed(f"The account's API Gateway logs role {arn} does not exist.\n{how}") from error
    if not _trusts_api_gateway(role["AssumeRolePolicyDocument"]):
        raise PreflightFailed(
            f"The account's API Gateway logs role {arn} does not trust apigateway.amazonaws.com.\n{how}"
        )
    return arn


def create_logs_role(apigateway, iam, partition: str = "aws") -> str:
    try:
        arn = iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    except ClientError:
        arn = iam.create_role(
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(TRUST),
            Description="API Gateway writes access and execution logs to CloudWatch Logs (account-wide)",
        )["Role"]["Arn"]
    iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=MANAGED_POLICY.format(partition=partition))
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    return arn


def secret_warning(ssm, stage: str) -> str | None:
    name = f"/{SERVICE}/{stage}/jwt-secret"
    try:
        ssm.get_parameter(Name=name)  # not decrypted: only whether it exists
    except ClientError as error:
        if error.response["Error"]["Code"] == "ParameterNotFound":
            return (
                f"warning: {name} is not set yet: store it after this deploy (docs/DEPLOY.md, Set the signing secret)"
            )
        raise
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--create-logs-role", action="store_true")
    args = parser.parse_args(argv)
    session = boto3.session.Session()
    apigateway, iam, ssm = session.client("apigateway"), session.client("iam"), session.client("ssm")
    if args.create_logs_role:
        partition = session.get_partition_for_region(session.region_name or "us-east-1")
        print(f"API Gateway CloudWatch Logs role set: {create_logs_role(apigateway, iam, partition)}")
        return 0
    try:
        arn = check_logs_role(apigateway, iam)
    except PreflightFailed as failure:
        print(f"deploy preflight: {failure}", file=sys.stderr)
        return 1
    print(f"deploy preflight: API Gateway logs role {arn}")
    warning = secret_warning(ssm, args.stage)
    if warning:
        print(warning, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
