"""`make deploy` checks API Gateway's account-wide CloudWatch Logs role before deploying (moto)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.apigateway.models import apigateway_backends
from moto.iam.models import iam_backends

from devtools import deploy_preflight


def _environment(monkeypatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws(monkeypatch):
    _environment(monkeypatch)
    with mock_aws():
        # Inside the session's embedded moto a nested mock_aws resets nothing: without this an
        # account set up by an earlier run in the same process (mutmut's stats run) leaks in.
        apigateway_backends.reset()
        iam_backends.reset()
        yield boto3.client("apigateway"), boto3.client("iam")


@pytest.fixture
def aws_with_managed_policies(monkeypatch):
    """As an account has them (AmazonAPIGatewayPushToCloudWatchLogs); slower to build."""
    _environment(monkeypatch)
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        apigateway_backends.reset()
        iam_backends.reset()  # an earlier test may have built IAM without them
        yield boto3.client("apigateway"), boto3.client("iam")


def test_an_account_without_the_role_fails_before_deploying_and_says_what_to_do(aws, capsys):
    assert deploy_preflight.main(["--stage", "dev"]) == 1
    message = capsys.readouterr().err
    assert "make apigateway-logs-role" in message and "update-account" in message


def test_a_role_that_does_not_trust_api_gateway_is_refused(aws):
    apigateway, iam = aws
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    arn = iam.create_role(RoleName="wrong", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    with pytest.raises(deploy_preflight.PreflightFailed, match="does not trust"):
        deploy_preflight.check_logs_role(apigateway, iam)


def test_a_role_that_was_deleted_is_refused(aws):
    apigateway, iam = aws
    arn = "arn:aws:iam::123456789012:role/gone"
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    with pytest.raises(deploy_preflight.PreflightFailed, match="does not exist"):
        deploy_preflight.check_logs_role(apigateway, iam)


def test_creating_the_role_sets_it_and_the_check_then_passes_with_a_secret_warning(
    aws_with_managed_policies, capsys, monkeypatch
):
    apigateway, iam = aws_with_managed_policies
    assert deploy_preflight.main(["--create-logs-role"]) == 0
    arn = apigateway.get_account()["cloudwatchRoleArn"]
    assert arn.endswith(f"role/{deploy_preflight.ROLE_NAME}")
    attached = iam.list_attached_role_policies(RoleName=deploy_preflight.ROLE_NAME)["AttachedPolicies"]
    assert [p["PolicyArn"].rsplit("/", 1)[-1] for p in attached] == ["AmazonAPIGatewayPushToCloudWatchLogs"]
    assert deploy_preflight.main(["--create-logs-role"]) == 0  # a second run reuses the role
    capsys.readouterr()
    _ses_identity(monkeypatch)
    assert deploy_preflight.main(["--stage", "dev"]) == 0
    out = capsys.readouterr()
    assert arn in out.out and "SES identity shop.test-domain.com" in out.out
    assert "/shop-api/dev/jwt-secret is not set" in out.err
    boto3.client("ssm").put_parameter(Name="/shop-api/dev/jwt-secret", Type="SecureString", Value="x" * 48)
    assert deploy_preflight.main(["--stage", "dev"]) == 0
    assert "not set" not in capsys.readouterr().err


def _ses_identity(monkeypatch, identity: str = "shop.test-domain.com") -> None:
    boto3.client("ses").verify_domain_identity(Domain=identity)  # moto: verified at once
    monkeypatch.setenv("SES_SENDER_IDENTITY", identity)
    monkeypatch.setenv("SES_SENDER_ADDRESS", f"orders@{identity}")


def _with_logs_role(apigateway, iam) -> None:
    arn = iam.create_role(RoleName="logs", AssumeRolePolicyDocument=json.dumps(deploy_preflight.TRUST))["Role"]["Arn"]
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])


@pytest.mark.parametrize(
    ("identity", "address", "why"),
    [
        ("", "", "must both be set"),
        ("shop.example", "orders@shop.example", "reserved placeholder"),
        ("unverified.test-domain.com", "orders@unverified.test-domain.com", "not verified in this region"),
        ("shop.test-domain.com", "orders@elsewhere.test-domain.com", "not within the identity"),
    ],
)
def test_a_stage_without_a_verified_ses_identity_of_its_own_stops_before_deploying(
    aws, capsys, monkeypatch, identity, address, why
):
    """Defect 8: the sender was a placeholder under params.default; each stage now names its own."""
    _with_logs_role(*aws)
    boto3.client("ses").verify_domain_identity(Domain="shop.test-domain.com")
    monkeypatch.setenv("SES_SENDER_IDENTITY", identity)
    monkeypatch.setenv("SES_SENDER_ADDRESS", address)
    assert deploy_preflight.main(["--stage", "dev"]) == 1
    assert why in capsys.readouterr().err


def test_prod_is_warned_about_each_of_stripes_secrets_and_dev_only_about_the_jwt_secret(aws, capsys, monkeypatch):
    _with_logs_role(*aws)
    _ses_identity(monkeypatch)
    assert deploy_preflight.main(["--stage", "prod"]) == 0
    err = capsys.readouterr().err
    for name in ("jwt-secret", "stripe-secret-key", "stripe-webhook-secret"):
        assert f"/shop-api/prod/{name} is not set" in err
    assert deploy_preflight.main(["--stage", "dev"]) == 0
    assert "stripe" not in capsys.readouterr().err
    boto3.client("ssm").put_parameter(Name="/shop-api/prod/stripe-secret-key", Type="SecureString", Value="sk")
    assert deploy_preflight.main(["--stage", "prod"]) == 0
    assert "stripe-secret-key" not in capsys.readouterr().err


def test_outside_us_east_1_the_site_without_a_web_acl_is_announced_loudly(aws, capsys, monkeypatch):
    """Defect 3: a CLOUDFRONT web ACL exists only in us-east-1; elsewhere it is SITE_WEB_ACL_ARN or none."""
    monkeypatch.delenv("SITE_WEB_ACL_ARN", raising=False)
    assert deploy_preflight.site_waf_warning("us-east-1", {}) is None
    assert "NO web ACL" in deploy_preflight.site_waf_warning("eu-west-1", {})
    acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0b1c"
    assert deploy_preflight.site_waf_warning("eu-west-1", {"SITE_WEB_ACL_ARN": acl}) is None
    regional = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shop/0b1c"
    with pytest.raises(deploy_preflight.PreflightFailed, match="not a CLOUDFRONT web ACL"):
        deploy_preflight.site_waf_warning("eu-west-1", {"SITE_WEB_ACL_ARN": regional})
    _with_logs_role(*aws)
    _ses_identity(monkeypatch)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    boto3.client("ses", region_name="eu-west-1").verify_domain_identity(Domain="shop.test-domain.com")
    apigateway = boto3.client("apigateway", region_name="eu-west-1")
    apigateway.update_account(
        patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": aws[0].get_account()["cloudwatchRoleArn"]}
        ]
    )
    assert deploy_preflight.main(["--stage", "dev"]) == 0
    assert "the storefront's CloudFront distribution will have NO web ACL" in capsys.readouterr().err


def make_dry_run(*arguments: str) -> list[str]:
    """The commands `make -n ARGUMENTS` would run, one a line (nothing is run)."""
    done = subprocess.run(  # noqa: S603  # the tests' own make targets
        ["make", "-n", "--no-print-directory", *arguments],  # noqa: S607
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def test_make_deploy_runs_the_preflight_before_the_pinned_cli():
    lines = make_dry_run("deploy", "STAGE=qa")
    preflight = next(i for i, line in enumerate(lines) if "devtools.deploy_preflight --stage qa" in line)
    deploy = next(i for i, line in enumerate(lines) if "serverless deploy" in line)
    assert preflight < deploy and "npx --no-install serverless deploy --stage qa" in lines[deploy]
