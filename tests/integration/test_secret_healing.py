"""A provider secret that is "not configured" (its SSM parameter does not exist yet) is
remembered only briefly (issue 32, defect 9): once the operator creates the parameter, the warm
function finds it within seconds, with no recycle. A secret that was found is kept."""

from __future__ import annotations

import contextlib
import json
import os
import time

import boto3
import pytest

from tests import iam
from tests.apigw import invoke
from tests.integration.test_webhook_and_expiry import WEBHOOK_SECRET, event, signed

PARAMETER = "/shop-test/stripe-webhook-secret"


@pytest.fixture
def webhook_secret_in_ssm_later(table, monkeypatch):
    from shop import config

    ssm = boto3.client("ssm", region_name="us-east-1", **iam.harness_credentials())
    name = PARAMETER
    if os.environ.get("JWT_SECRET_PARAMETER"):  # under IAM enforcement: the role's own parameter
        name = "/" + os.environ["JWT_SECRET_PARAMETER"].strip("/").rsplit("/", 1)[0] + "/stripe-webhook-secret"
    with contextlib.suppress(ssm.exceptions.ParameterNotFound):
        ssm.delete_parameter(Name=name)
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_PARAMETER", name)
    config.reset()
    yield lambda: ssm.put_parameter(Name=name, Value=WEBHOOK_SECRET, Type="SecureString", Overwrite=True)
    ssm.delete_parameter(Name=name)
    config.reset()


def deliver():
    body = json.dumps(event("customer.created", "o-1", 100))
    return invoke("POST", "/payments/webhook", raw_body=body, headers={"Stripe-Signature": signed(body)})


def test_a_missing_secret_heals_within_seconds_of_the_parameter_being_created(webhook_secret_in_ssm_later, monkeypatch):
    from shop import config

    assert deliver().status == 503  # not configured yet
    webhook_secret_in_ssm_later()
    now = [time.monotonic()]
    monkeypatch.setattr(config, "_monotonic", lambda: now[0], raising=False)  # the cache's clock
    assert deliver().status == 503  # within the few seconds a failure is remembered
    now[0] += getattr(config, "MISSING_SECRET_SECONDS", 10) + 0.1
    healed = deliver()
    assert healed.status == 200, healed.body
    assert healed.data["outcome"] == "ignored"
