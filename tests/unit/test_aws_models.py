"""The cut SSM model the functions load on Lambda (devtools.aws_models, AWS_DATA_PATH in
serverless.yml): botocore's own model of the operations the shop calls, and enough for every
secret read the shop makes, with its errors as the shop expects them."""

from __future__ import annotations

import ast

import boto3
import botocore.session
import pytest
from moto import mock_aws

from devtools import aws_models, serverless_config
from devtools.serverless_config import ROOT
from shop import config
from tests.conftest import reset_shop_caches

SECRET = "s" * 48


def test_the_committed_models_are_what_the_installed_botocore_makes():
    for relative, text in aws_models.models().items():
        path = aws_models.MODELS / relative
        assert path.is_file(), f"{relative} is missing: python -m devtools.aws_models"
        assert path.read_text() == text, f"{relative} is stale: python -m devtools.aws_models"


def test_every_ssm_operation_the_shop_calls_is_in_the_cut_model():
    """Every method called on an SSM client in src/shop (the shop's one SSM client is
    config._ssm()) is one of the model's operations."""
    model = botocore.session.get_session().get_service_model("ssm")
    by_method = {botocore.xform_name(name): name for name in model.operation_names}
    called = set()
    for path in (ROOT / "src" / "shop").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in by_method:
                called.add(by_method[node.func.attr])
    assert {"GetParameter", "GetParameters"} <= called  # the scan sees the reads config.py makes
    assert called <= set(aws_models.OPERATIONS["ssm"]), called - set(aws_models.OPERATIONS["ssm"])


def test_every_function_puts_the_cut_models_first_on_botocores_path():
    environment = serverless_config.load()["provider"]["environment"]
    assert environment["AWS_DATA_PATH"] == "$LAMBDA_TASK_ROOT/" + str(aws_models.MODELS.relative_to(ROOT))
    assert str(aws_models.MODELS.relative_to(ROOT)).startswith("src/shop/")  # inside every zip


@pytest.fixture
def cut_ssm(monkeypatch):
    """The shop's clients made by a session that loads models as a function does on Lambda."""
    monkeypatch.setenv("AWS_DATA_PATH", str(aws_models.MODELS))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    with mock_aws():
        full = botocore.session.Session()
        full.set_config_variable("data_path", "")
        harness = boto3.session.Session(botocore_session=full).client("ssm", region_name="us-east-1")
        monkeypatch.delenv("JWT_SECRET")
        reset_shop_caches()
        yield harness
        reset_shop_caches()


def test_the_shops_secret_reads_work_with_the_cut_model(cut_ssm, monkeypatch):
    cut_ssm.put_parameter(Name="/shop/test/jwt", Value=SECRET, Type="SecureString")
    cut_ssm.put_parameter(Name="/shop/test/jwt-previous", Value="p" * 48, Type="SecureString")
    cut_ssm.put_parameter(Name="/shop/test/stripe", Value="sk_test_" + "k" * 40, Type="SecureString")
    monkeypatch.setenv("JWT_SECRET_PARAMETER", "/shop/test/jwt")
    monkeypatch.setenv("STRIPE_SECRET_KEY_PARAMETER", "/shop/test/stripe")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_PARAMETER", "/shop/test/missing")

    assert config.signing_secrets() == (SECRET, "p" * 48)
    assert config.stripe_secret("STRIPE_SECRET_KEY") == "sk_test_" + "k" * 40
    assert config.stripe_secret("STRIPE_WEBHOOK_SECRET") is None  # ParameterNotFound, as the shop expects it
    assert sorted(config._ssm().meta.service_model.operation_names) == ["GetParameter", "GetParameters"]

    monkeypatch.setenv("JWT_SECRET_PARAMETER", "/shop/test/missing")
    reset_shop_caches()
    with pytest.raises(config.ConfigError, match="does not exist"):
        config.signing_secrets()
