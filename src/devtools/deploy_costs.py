"""docs/DEPLOY.md's table of costs at rest, counted from the generated template.

    python -m devtools.deploy_costs [--template ...] [--check]

The fixed monthly costs of a stage are per resource: a web ACL and its rules, each metric an
alarm watches, a customer-managed key, a dashboard. Counting them from the template keeps the
table true when functions (one canary alarm each, reading two or three metrics), alarms or ACLs
are added. us-east-1 list prices; the storefront's CLOUDFRONT web ACL is in the stack only in
us-east-1 (docs/DEPLOY.md).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from .serverless_config import ROOT, compiled_template

DOC = ROOT / "docs" / "DEPLOY.md"
TEMPLATE = ROOT / ".serverless" / "cloudformation-template-update-stack.json"
BEGIN, END = "<!-- cost table: python -m devtools.deploy_costs -->", "<!-- end cost table -->"
WEB_ACL, WAF_RULE, ALARM_METRIC, KMS_KEY, DASHBOARD = 5.00, 1.00, 0.10, 1.00, 3.00


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _alarm_metrics(alarm: dict[str, Any]) -> int:
    properties = alarm["Properties"]
    return 1 if "MetricName" in properties else sum(1 for m in properties.get("Metrics", []) if "MetricStat" in m)


def rows(template: dict[str, Any]) -> list[tuple[str, float]]:
    functions = _of_type(template, "AWS::Lambda::Function")
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    canary = [a for a in alarms if "ExecutedVersion" in str(a["Properties"])]
    metrics = sum(_alarm_metrics(a) for a in alarms)
    found = []
    for acl in _of_type(template, "AWS::WAFv2::WebACL"):
        rules = len(acl["Properties"].get("Rules", []))
        where = " (us-east-1 only)" if acl["Properties"]["Scope"] == "CLOUDFRONT" else ""
        scope = acl["Properties"]["Scope"].lower()
        label = f"{scope} web ACL{where} (${WEB_ACL:.0f}) + {rules} rules (${WAF_RULE:.0f} each)"
        found.append((label, WEB_ACL + rules * WAF_RULE))
    found.append(
        (
            f"CloudWatch alarms: {len(alarms)} alarms watching {metrics} metrics (${ALARM_METRIC:.2f} each), "
            f"{len(canary)} of them the canary's, for {len(functions)} functions",
            metrics * ALARM_METRIC,
        )
    )
    keys = len(_of_type(template, "AWS::KMS::Key"))
    found.append((f"KMS customer-managed keys: {keys}", keys * KMS_KEY))
    dashboards = len(_of_type(template, "AWS::CloudWatch::Dashboard"))
    if dashboards:
        found.append(
            (f"CloudWatch dashboards: {dashboards} (the first 3 of an account are free)", dashboards * DASHBOARD)
        )
    return found


def table(template: dict[str, Any]) -> str:
    lines = ["| item | cost per month |", "|---|---|"]
    found = rows(template)
    lines += [f"| {label} | ${cost:,.2f} |" for label, cost in found]
    lines += [
        "| CodeDeploy for Lambda, API Gateway, Lambda, DynamoDB on demand, X-Ray, SNS, SQS | $0 at rest |",
        "| logs, the versioned artifact, site and media buckets, CloudFront | cents |",
        "| DynamoDB storage ($0.25 per GB) and PITR ($0.20 per GB) | per GB stored |",
        f"| **total** | **about ${sum(cost for _, cost in found):,.2f} per stage**, plus storage |",
    ]
    return "\n".join(lines)


def rewrite(text: str, generated: str) -> str:
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"docs/DEPLOY.md has no {BEGIN} ... {END} block")
    return pattern.sub(lambda _: f"{BEGIN}\n{generated}\n{END}", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.deploy_costs", description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = DOC.read_text()
    updated = rewrite(text, table(compiled_template(args.template)))
    if args.check:
        return 0 if updated == text else 1
    DOC.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
