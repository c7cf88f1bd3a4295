"""What `make package` built: the zips and the generated CloudFormation template.

These tests need the package and a CPython 3.12; `make test` (CI) and `make deploy-checks`
build both and point SHOP_PACKAGE_DIR / LAMBDA_* at them. Run alone without them
(plain `pytest`), they are skipped, except in CI, where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devtools import serverless_config

TEMPLATE_NAME = "cloudformation-template-update-stack.json"
# Every function's zip: its sources with their bytecode beside them (deploy/plugins/function-zips.js: a
# cold start on Lambda's read-only /var/task would otherwise compile every module it imports), about
# 2.4 MB. The `stripe` library and its HTTP stack are in the `stripe` layer, not in any zip.
MAX_ZIP_BYTES = 3 * 1024 * 1024


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        message = f"{name} is not set: run `make deploy-checks` (or `make test`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return value


@pytest.fixture(scope="session")
def package_dir() -> Path:
    path = Path(_required("SHOP_PACKAGE_DIR"))
    assert (path / TEMPLATE_NAME).is_file(), f"{path} holds no generated template: run `make package`"
    return path


@pytest.fixture(scope="session")
def package_log() -> Path:
    """What `make package` printed (the Makefile keeps it for this)."""
    path = Path(_required("SHOP_PACKAGE_LOG"))
    assert path.is_file(), f"{path} is missing: run `make package`"
    return path


@pytest.fixture(scope="session")
def template(package_dir) -> dict:
    return serverless_config.compiled_template(package_dir / TEMPLATE_NAME)


@pytest.fixture(scope="session")
def lambda_python() -> dict[str, str]:
    return {name: _required(name) for name in ("LAMBDA_PYTHON", "LAMBDA_RUNTIME_SITE", "LAMBDA_HARNESS_SITE")}


def functions() -> dict[str, dict]:
    return serverless_config.load()["functions"]


def lambda_resources(template: dict) -> dict[str, dict]:
    """Function name in serverless.yml -> its AWS::Lambda::Function properties."""
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            properties = resource["Properties"]
            found[properties["FunctionName"].rsplit("-", 1)[-1]] = properties
    return found
