"""`make run` with the fake provider signs and checks the local bank's webhooks with a secret of
its own (devtools.local_env): without it, a 3-D Secure card approved at the local bank's page never
paid the order (the API answered the webhook 503). The stripe provider's secret stays the user's."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from devtools import local_env


@pytest.fixture
def environment():
    with mock.patch.dict(os.environ, {"JWT_SECRET": "x" * 48}):
        for name in ("PAYMENT_PROVIDER", "STRIPE_WEBHOOK_SECRET"):
            os.environ.pop(name, None)
        yield os.environ


def test_the_fake_provider_gets_a_random_webhook_secret_for_the_run(environment):
    local_env.configure_environment()
    first = environment["STRIPE_WEBHOOK_SECRET"]
    assert len(first) >= 32
    del environment["STRIPE_WEBHOOK_SECRET"]
    local_env.configure_environment()
    assert environment["STRIPE_WEBHOOK_SECRET"] != first  # random, never a fixed value in the code


def test_a_secret_given_is_kept(environment):
    environment["STRIPE_WEBHOOK_SECRET"] = "whsec_given"
    local_env.configure_environment()
    assert environment["STRIPE_WEBHOOK_SECRET"] == "whsec_given"


def test_the_stripe_provider_gets_none_invented(environment):
    environment["PAYMENT_PROVIDER"] = "stripe"
    local_env.configure_environment()
    assert "STRIPE_WEBHOOK_SECRET" not in environment
