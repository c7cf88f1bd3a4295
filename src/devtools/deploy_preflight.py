"""What `make deploy` checks on the target account before it deploys (docs/DEPLOY.md).

    python -m devtools.deploy_preflight [--stage dev] [--create-logs-role]

API Gateway writes the stage's access logs through one account-wide role, set per region with
`update-account`. Without it, Serverless' post-deploy call that switches the access logs on fails
after the stack is up ("CloudWatch Logs role ARN must be set in account settings"). This checks
the setting and that the role it names exists and trusts API Gateway, and says what to do; with
--create-logs-role (`make apigateway-logs-role`) it creates the role and sets it. It also warns
when the stage's signing secret (and, on a stage that charges through Stripe, Stripe's two
secrets) is not stored yet (routes that need it answer 500 until it is, and the canary's
pre-traffic hook rolls their new versions back). It stops when the stage's SES sender identity
(SES_SENDER_IDENTITY, SES_SENDER_ADDRESS) is missing or not verified in the region, and warns
loudly when the storefront's distribution would have no web ACL (outside us-east-1 without
SITE_WEB_ACL_ARN).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

import boto3
from botocore.exceptions import ClientError

from . import serverless_config

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


def stage_secrets(stage: str) -> list[str]:
    """The SecureStrings the stage's functions read: the JWT secret; Stripe's when it charges through Stripe."""
    params = serverless_config.load()["params"]
    provider = params.get(stage, {}).get("paymentProvider", params["default"].get("paymentProvider"))
    names = ["jwt-secret"] + (["stripe-secret-key", "stripe-webhook-secret"] if provider == "stripe" else [])
    return [f"/{SERVICE}/{stage}/{name}" for name in names]


def secret_warnings(ssm, stage: str) -> list[str]:
    warnings = []
    for name in stage_secrets(stage):
        try:
            ssm.get_parameter(Name=name)  # not decrypted: only whether it exists
        except ClientError as error:
            if error.response["Error"]["Code"] != "ParameterNotFound":
                raise
            warnings.append(
                f"warning: {name} is not set yet: store it after this deploy (docs/DEPLOY.md, first deploy step 5)"
            )
    return warnings


def check_ses_identity(ses, environ: dict[str, str]) -> str:
    """The stage's SES identity (a domain or an address), verified in this region, that the From
    address belongs to; or PreflightFailed saying what to do."""
    identity = environ.get("SES_SENDER_IDENTITY", "")
    address = environ.get("SES_SENDER_ADDRESS", "")
    how = (
        "Order emails are sent through the stage's SES identity: set SES_SENDER_IDENTITY (a domain or an\n"
        "address verified in SES in this region) and SES_SENDER_ADDRESS (the From address, within it), in the\n"
        "GitHub environment's variables for the pipeline (docs/DEPLOY.md, Prerequisites)."
    )
    if not identity or not address:
        raise PreflightFailed(f"SES_SENDER_IDENTITY and SES_SENDER_ADDRESS must both be set.\n{how}")
    if identity.rsplit(".", 1)[-1] in ("invalid", "example", "test", "localhost"):
        raise PreflightFailed(f"SES identity {identity} is a reserved placeholder name.\n{how}")
    if address != identity and address.rpartition("@")[2] != identity:
        raise PreflightFailed(f"SES_SENDER_ADDRESS {address} is not within the identity {identity}.\n{how}")
    attributes = ses.get_identity_verification_attributes(Identities=[identity])["VerificationAttributes"]
    status = attributes.get(identity, {}).get("VerificationStatus", "missing")
    if status != "Success":
        raise PreflightFailed(
            f"SES identity {identity} is not verified in this region (status: {status}).\n"
            f"  aws sesv2 create-email-identity --email-identity {identity}   then publish its DKIM records\n{how}"
        )
    return identity


def site_waf_warning(region: str, environ: dict[str, str]) -> str | None:
    """A CLOUDFRONT web ACL exists only in us-east-1 (serverless.yml, custom.site.externalWebAclArn)."""
    arn = environ.get("SITE_WEB_ACL_ARN", "")
    if arn and not re.fullmatch(r"arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/\S+", arn):
        raise PreflightFailed(
            f"SITE_WEB_ACL_ARN {arn} is not a CLOUDFRONT web ACL (arn:aws:wafv2:us-east-1:...:global/webacl/...)"
        )
    if region == "us-east-1" or arn:
        return None
    return (
        "WARNING: the storefront's CloudFront distribution will have NO web ACL.\n"
        f"  A CLOUDFRONT web ACL can only be made in us-east-1, and this stage deploys to {region}.\n"
        "  Make one there and set SITE_WEB_ACL_ARN to its ARN (docs/DEPLOY.md, Outside us-east-1)."
    )


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
    try:
        identity = check_ses_identity(session.client("ses"), dict(os.environ))
        site_warning = site_waf_warning(session.region_name or "us-east-1", dict(os.environ))
    except PreflightFailed as failure:
        print(f"deploy preflight: {failure}", file=sys.stderr)
        return 1
    print(f"deploy preflight: SES identity {identity}")
    for warning in [*secret_warnings(ssm, args.stage), *([site_warning] if site_warning else [])]:
        print(warning, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
