"""deploy/plugins/data-protection.js run by node against a stubbed DescribeStacks: deletion
protection comes only once the stack has completed with its data, so the rollback of a failed
first deploy can delete the table it created (issue 30, defect 4; docs/DEPLOY.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from devtools import serverless_config

PLUGIN = Path(__file__).resolve().parents[2] / "deploy" / "plugins" / "data-protection.js"
NODE = shutil.which("node")
RUN = """
const Plugin = require(process.argv[1]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const calls = [];
const serverless = {
  service: {
    custom: { dataProtection: input.settings },
    provider: { compiledCloudFormationTemplate: input.template },
  },
  classes: { Error },
  getProvider: () => ({
    naming: { getStackName: () => 'shop-api-prod' },
    request: async (service, method, params) => {
      calls.push([service, method, params]);
      if (input.stack === 'missing') throw new Error('Stack with id shop-api-prod does not exist');
      if (input.stack === 'denied') throw new Error('AccessDenied');
      return { Stacks: [{ StackStatus: input.stack.status, Outputs: input.stack.outputs }] };
    },
  }),
};
new Plugin(serverless, {}, { log: { notice: () => undefined } })
  .hooks['after:aws:package:finalize:mergeCustomProviderResources']()
  .then(() => process.stdout.write(JSON.stringify({ template: input.template, calls })))
  .catch((error) => { process.stderr.write(error.message); process.exit(1); });
"""


def _run(stack, enabled=True, protection=False, offline=False) -> tuple[dict, list]:
    if NODE is None:
        pytest.fail("node is needed (make installs the npm tooling next to it)")
    template = {
        "Resources": {
            "ShopTable": {"Type": "AWS::DynamoDB::Table", "Properties": {"DeletionProtectionEnabled": protection}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        }
    }
    settings = {"enabled": enabled, "establishedOutput": "TableName"}
    env = {"PATH": "/usr/bin:/bin", **({"SLS_PACKAGE_OFFLINE": "1"} if offline else {})}
    done = subprocess.run(  # noqa: S603 - our own node script and plugin
        [NODE, "-e", RUN, str(PLUGIN)],
        input=json.dumps({"template": template, "settings": settings, "stack": stack}),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    result = json.loads(done.stdout)
    return result["template"]["Resources"]["ShopTable"]["Properties"], result["calls"]


ESTABLISHED = {"status": "UPDATE_COMPLETE", "outputs": [{"OutputKey": "TableName", "OutputValue": "shop-api-prod"}]}


@pytest.mark.parametrize(
    "stack",
    [
        "missing",  # the very first deploy
        # Serverless' first deploy creates a stack with only its artifacts bucket, then updates it:
        # when that update rolls back, the stack is UPDATE_ROLLBACK_COMPLETE without the table's output.
        {"status": "UPDATE_ROLLBACK_COMPLETE", "outputs": [{"OutputKey": "ServerlessDeploymentBucketName"}]},
        {"status": "ROLLBACK_COMPLETE", "outputs": None},
    ],
)
def test_a_first_deploy_and_a_retried_failed_first_deploy_create_the_table_without_protection(stack):
    properties, calls = _run(stack)
    assert properties["DeletionProtectionEnabled"] is False
    assert calls == [["CloudFormation", "describeStacks", {"StackName": "shop-api-prod"}]]


def test_the_deploy_after_one_that_completed_turns_protection_on():
    properties, _ = _run(ESTABLISHED)
    assert properties["DeletionProtectionEnabled"] is True


def test_a_stage_without_protection_never_asks_and_never_protects():
    properties, calls = _run(ESTABLISHED, enabled=False)
    assert properties["DeletionProtectionEnabled"] is False
    assert calls == []


def test_offline_packaging_asks_no_account_and_writes_the_first_deploys_template():
    properties, calls = _run(ESTABLISHED, offline=True)
    assert properties["DeletionProtectionEnabled"] is False
    assert calls == []


def test_an_error_other_than_a_missing_stack_stops_the_deploy():
    with pytest.raises(RuntimeError, match="AccessDenied"):
        _run("denied")


def test_a_template_that_protects_on_its_own_is_refused():
    """Written `true` in serverless.yml, the first deploy's rollback would be blocked again."""
    with pytest.raises(RuntimeError, match="must declare DeletionProtectionEnabled: false"):
        _run("missing", protection=True)


def test_serverless_yml_leaves_the_switch_to_the_plugin_and_prod_asks_for_protection():
    config = serverless_config.load()
    assert "./deploy/plugins/data-protection.js" in config["plugins"]
    assert config["resources"]["Resources"]["ShopTable"]["Properties"]["DeletionProtectionEnabled"] is False
    assert config["custom"]["dataProtection"] == {
        "enabled": "${param:deletionProtection}",
        "establishedOutput": "TableName",
    }
    assert config["params"]["prod"]["deletionProtection"] is True
    assert "TableName" in config["resources"]["Outputs"]
