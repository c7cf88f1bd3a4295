"""The deploy role's permissions, generated from what a deploy needs (docs/DEPLOY.md, The pipeline).

    python -m devtools.deploy_policy [--template .serverless/...json] [--check]

A deploy is CloudFormation creating, updating and deleting the template's resources with the
deploying role's own credentials (no service role), plus what the tooling around it calls.
CloudFormation's resource type schemas list, for each type, the permissions of its create, read,
update, delete and list handlers; cfn-lint ships those schemas (pinned in requirements-dev.txt), so
the role gets the union over the template's resource types, and a new type (a bucket, a queue, a
layer...) brings its permissions with it. A type without handlers in the schema fails the
generation instead of being skipped. `make deploy-policy` writes deploy/deploy-role-policy.json;
tests/deploy/test_deploy_policy.py fails when the committed file is not what the template needs.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import Any

from .serverless_config import ROOT, compiled_template

POLICY = ROOT / "deploy" / "deploy-role-policy.json"
TEMPLATE = ROOT / ".serverless" / "cloudformation-template-update-stack.json"
HANDLERS = ("create", "read", "update", "delete", "list")

# What runs around CloudFormation, each with who calls it. The Serverless CLI: the stack and its
# events, the artifacts bucket (upload, compare, prune, empty on `serverless remove`), the caller's
# account, and `serverless info` (the stage endpoint the pipeline smoke-tests).
TOOLING: dict[str, list[str]] = {
    "serverless deploy / remove / info (CLI)": [
        "cloudformation:CreateStack",
        "cloudformation:UpdateStack",
        "cloudformation:DeleteStack",
        "cloudformation:DescribeStacks",
        "cloudformation:DescribeStackEvents",
        "cloudformation:DescribeStackResource",
        "cloudformation:DescribeStackResources",
        "cloudformation:ListStackResources",
        "cloudformation:GetTemplate",
        "cloudformation:ValidateTemplate",
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DeleteChangeSet",
        "s3:ListBucket",
        "s3:ListBucketVersions",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "sts:GetCallerIdentity",
        "apigateway:GET",
        "lambda:GetFunction",
    ],
    # src/devtools/deploy_preflight.py: the logs role, the secrets, the SES identity.
    "make deploy preflight": [
        "apigateway:GET",
        "iam:GetRole",
        "ssm:GetParameter",
        "ses:GetIdentityVerificationAttributes",
    ],
    # src/devtools/deploy_site.py: the stack's outputs, the storefront upload, the invalidation.
    "make deploy storefront upload": ["cloudformation:DescribeStacks", "s3:PutObject", "cloudfront:CreateInvalidation"],
    # src/devtools/deploy_teardown.py (make remove): every bucket of the stack emptied first.
    "make remove bucket emptying": [
        "cloudformation:ListStackResources",
        "s3:ListBucketVersions",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
    ],
    # deploy/plugins/data-protection.js: whether the stack has completed once.
    "deletion protection switch": ["cloudformation:DescribeStacks"],
    # The pipeline's `Stage endpoint` step (deploy-stage.yml).
    "deploy-stage.yml": ["cloudformation:DescribeStacks"],
}


@functools.cache
def _schemas(region: str) -> dict[str, dict[str, Any]]:
    """CloudFormation's resource type schemas for a region, as cfn-lint ships them."""
    import cfnlint

    data = Path(cfnlint.__file__).parent / "data" / "schemas"
    index = json.loads((data / "providers" / f"{region}.json").read_text())
    return {kind: json.loads((data / "resources" / f"{digest}.json").read_text()) for kind, digest in index.items()}


def type_permissions(kind: str, region: str = "us-east-1") -> set[str]:
    schema = _schemas(region).get(kind)
    if schema is None or not schema.get("handlers"):
        raise ValueError(f"{kind}: no handler permissions in CloudFormation's schema; extend deploy_policy.py")
    return {p for handler in HANDLERS for p in schema["handlers"].get(handler, {}).get("permissions", [])}


def resource_types(template: dict[str, Any]) -> list[str]:
    return sorted({resource["Type"] for resource in template["Resources"].values()})


def policy(template: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """One statement per resource type and per tool, each with its reason as its Sid."""
    statements = []
    for kind in resource_types(template):
        sid = "Cfn" + kind.replace("AWS::", "").replace("::", "")
        statements.append({"Sid": sid, "Effect": "Allow", "Action": sorted(type_permissions(kind, region))})
    for index, (tool, actions) in enumerate(TOOLING.items()):
        sid = "Tooling" + "".join(word.capitalize() for word in tool.replace("/", " ").split() if word.isalpha())
        statements.append({"Sid": sid or f"Tooling{index}", "Effect": "Allow", "Action": sorted(set(actions))})
    for statement in statements:
        statement["Resource"] = "*"
    return {"Version": "2012-10-17", "Statement": statements}


def services(document: dict[str, Any]) -> set[str]:
    return {action.split(":", 1)[0] for s in document["Statement"] for action in s["Action"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.deploy_policy", description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--check", action="store_true", help="fail when the committed policy differs")
    args = parser.parse_args(argv)
    document = policy(compiled_template(args.template))
    text = json.dumps(document, indent=2) + "\n"
    if args.check:
        if POLICY.read_text() != text:
            print(f"{POLICY.relative_to(ROOT)} is not what the template needs: run `make deploy-policy`")
            return 1
        return 0
    POLICY.write_text(text)
    print(f"wrote {POLICY.relative_to(ROOT)}: {len(document['Statement'])} statements, {sorted(services(document))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
