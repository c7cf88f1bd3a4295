"""docs/DEPLOY.md's costs at rest are counted from the generated template (issue 30, defect 8:
the hand-kept table said 14 functions when there were 28, with 56 canary alarms)."""

from __future__ import annotations

from devtools import deploy_costs
from tests.deploy.conftest import lambda_resources


def test_the_cost_table_in_docs_deploy_is_the_one_the_template_gives(template):
    text = deploy_costs.DOC.read_text()
    assert deploy_costs.rewrite(text, deploy_costs.table(template)) == text, (
        "run `python -m devtools.deploy_costs` after `make package` and commit docs/DEPLOY.md"
    )


def test_the_table_counts_every_function_and_its_canary_alarms(template):
    functions = len(lambda_resources(template))
    (alarms,) = [label for label, _ in deploy_costs.rows(template) if label.startswith("CloudWatch alarms")]
    assert f"for {functions} functions" in alarms
