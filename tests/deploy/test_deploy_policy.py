"""The deploy role's policy is generated from the template and CloudFormation's own schemas of
each resource type's handlers (src/devtools/deploy_policy.py): nothing the deploy needs is left
out, as S3, CloudFront, SQS, EventBridge and SSM were from the hand-kept list (issue 30, defect 6)."""

from __future__ import annotations

import json

from devtools import deploy_policy


def test_the_committed_policy_is_the_one_the_template_needs(template):
    committed = json.loads(deploy_policy.POLICY.read_text())
    assert committed == deploy_policy.policy(template), "run `make deploy-policy` and commit the file"


def test_every_resource_type_of_the_template_has_its_handlers_permissions(template):
    committed = json.loads(deploy_policy.POLICY.read_text())
    granted = {action for statement in committed["Statement"] for action in statement["Action"]}
    for kind in deploy_policy.resource_types(template):
        missing = deploy_policy.type_permissions(kind) - granted
        assert not missing, (kind, sorted(missing))
    # What the review found missing, and what the tooling around CloudFormation calls.
    for action in (
        "s3:CreateBucket",
        "s3:PutBucketPolicy",
        "cloudfront:CreateDistribution",
        "cloudfront:CreateOriginAccessControl",
        "sqs:CreateQueue",
        "events:PutRule",
        "ssm:GetParameter",
        "cloudformation:UpdateStack",
        "codedeploy:CreateDeploymentGroup",
        "lambda:PublishVersion",
        "iam:PassRole",
        "cloudfront:CreateInvalidation",
        "ses:GetIdentityVerificationAttributes",
    ):
        assert action in granted, action
    assert all(s["Effect"] == "Allow" for s in committed["Statement"])
    assert not any(a == "*" or a.endswith(":*") for a in granted)


def test_a_resource_type_without_handlers_fails_the_generation_instead_of_being_skipped():
    try:
        deploy_policy.policy({"Resources": {"X": {"Type": "AWS::Nothing::Here"}}})
    except ValueError as error:
        assert "AWS::Nothing::Here" in str(error)
    else:
        raise AssertionError("an unknown type was skipped")


def test_docs_deploy_points_at_the_generated_policy():
    text = (deploy_policy.ROOT / "docs" / "DEPLOY.md").read_text()
    assert "deploy/deploy-role-policy.json" in text and "make deploy-policy" in text
