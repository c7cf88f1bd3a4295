"""The way to production, checked without an account: what `make deploy` builds on a fresh
runner, and what the deploy workflows may run and with what (issue 30)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from devtools import serverless_config

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    # PyYAML reads the key `on:` as True (YAML 1.1); keep it readable.
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True, document.get("on"))
    return document


def _dry_run(target: str) -> str:
    """What `make <target>` would run from a fresh clone: every prerequisite remade (-B), nothing run (-n)."""
    make = shutil.which("make")
    assert make, "make is needed"
    env = {**os.environ, "MAKEFLAGS": ""}
    argv = [make, "--no-print-directory", "-n", "-B", target]
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result.stdout


def _layers() -> dict[str, dict]:
    return serverless_config.load().get("layers", {})


def test_every_layer_is_built_from_its_requirements_in_the_cache():
    """A layer of serverless.yml is `.cache/layers/<name>`, built from deploy/layers/<name>/requirements.txt."""
    assert _layers(), "serverless.yml has no layer: this test and the Makefile's layer rule are moot"
    for name, layer in _layers().items():
        assert layer["path"] == f".cache/layers/{name}", name
        assert (ROOT / "deploy" / "layers" / name / "requirements.txt").is_file(), name


@pytest.mark.parametrize("target", ["package", "deploy"])
def test_package_and_deploy_build_every_layer_on_a_fresh_runner(target):
    """Defect 1: `.cache` is not in git and the pipeline does not restore it, so `make deploy`
    itself must build each layer before `serverless deploy` packages it."""
    commands = _dry_run(target)
    serverless = commands.index(f"serverless {target}")
    for name in _layers():
        build = re.search(rf"pip install .*--target \.cache/layers/{name}/python", commands)
        assert build, f"make {target} does not build the {name} layer"
        assert build.start() < serverless, f"make {target} builds the {name} layer after serverless runs"


def test_the_deploy_workflow_runs_only_after_ci_passed_on_a_push_to_this_repository():
    """Defect 2: a fork's pull request from a branch named `main` also completes `ci` on `main`;
    only a push to this repository may start a deploy with the OIDC token."""
    workflow = _workflow("deploy.yml")
    assert workflow["on"]["workflow_run"]["workflows"] == ["ci"]
    for name, job in workflow["jobs"].items():
        if "needs" in job:
            continue  # runs only after a job that is guarded
        guard = re.sub(r"\s+", " ", job["if"])
        run = "github.event_name == 'workflow_run'"
        assert guard.startswith("github.event_name == 'workflow_dispatch' || ("), (name, guard)
        for condition in (
            run,
            "github.event.workflow_run.conclusion == 'success'",
            "github.event.workflow_run.event == 'push'",
            "github.event.workflow_run.head_branch == 'main'",
            "github.event.workflow_run.head_repository.full_name == github.repository",
        ):
            assert f"{condition}" in guard.split("|| (", 1)[1], (name, condition)
        assert " || " not in guard.split("|| (", 1)[1], guard  # every condition is required


def _deploy_step(workflow: dict) -> dict:
    (step,) = [s for s in workflow["jobs"]["deploy"]["steps"] if s.get("run", "").startswith("make deploy")]
    return step


def test_the_deploy_step_gets_every_setting_the_stage_reads_from_the_environment():
    """Defects 3 and 8: the site's web ACL outside us-east-1 and the SES identity come from
    the GitHub environment's variables, as CORS_ALLOWED_ORIGINS does."""
    env = _deploy_step(_workflow("deploy-stage.yml"))["env"]
    for name in ("CORS_ALLOWED_ORIGINS", "SITE_WEB_ACL_ARN", "SES_SENDER_IDENTITY", "SES_SENDER_ADDRESS"):
        assert env.get(name) == f"${{{{ vars.{name} }}}}", name
    text = serverless_config.ROOT.joinpath("serverless.yml").read_text()
    for name in ("SITE_WEB_ACL_ARN", "SES_SENDER_IDENTITY", "SES_SENDER_ADDRESS"):
        assert f"env:{name}" in text, name
