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


def test_creating_the_role_sets_it_and_the_check_then_passes_with_a_secret_warning(aws_with_managed_policies, capsys):
    apigateway, iam = aws_with_managed_policies
    assert deploy_preflight.main(["--create-logs-role"]) == 0
    arn = apigateway.get_account()["cloudwatchRoleArn"]
    assert arn.endswith(f"role/{deploy_preflight.ROLE_NAME}")
    attached = iam.list_attached_role_policies(RoleName=deploy_preflight.ROLE_NAME)["AttachedPolicies"]
    assert [p["PolicyArn"].rsplit("/", 1)[-1] for p in attached] == ["AmazonAPIGatewayPushToCloudWatchLogs"]
    assert deploy_preflight.main(["--create-logs-role"]) == 0  # a second run reuses the role
    capsys.readouterr()
    assert deploy_preflight.main(["--stage", "dev"]) == 0
    out = capsys.readouterr()
    assert arn in out.out
    assert "/shop-api/dev/jwt-secret is not set" in out.err
    boto3.client("ssm").put_parameter(Name="/shop-api/dev/jwt-secret", Type="SecureString", Value="x" * 48)
    assert deploy_preflight.main(["--stage", "dev"]) == 0
    assert "not set" not in capsys.readouterr().err


def test_make_deploy_runs_the_preflight_before_the_pinned_cli():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "deploy", "STAGE=qa"],  # noqa: S607
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stdout.splitlines()
    preflight = next(i for i, line in enumerate(lines) if "devtools.deploy_preflight --stage qa" in line)
    deploy = next(i for i, line in enumerate(lines) if "serverless deploy" in line)
    assert preflight < deploy and "npx --no-install serverless deploy --stage qa" in lines[deploy]
