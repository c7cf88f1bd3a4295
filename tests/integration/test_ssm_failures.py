"""The signing secret comes from SSM on AWS (a SecureString read at cold start). SSM failing
or throttling a burst of cold starts is a 503 with Retry-After after bounded retries, not a
500, and the next request reads it afresh; its client has the DynamoDB client's timeouts and
retries, so a slow SSM cannot outlast a function's timeout (tests/integration/test_deadlines.py)."""

from __future__ import annotations

import os

import boto3
import pytest

from tests import iam
from tests.apigw import invoke
from tests.conftest import TEST_SECRET
from tests.faults import DynamoFaults, connect_timeout, error_response, internal_error, read_timeout, request_limit


def ssm_throttled(url: str):
    return error_response(url, 400, "ThrottlingException")


@pytest.fixture
def secret_in_ssm(table, monkeypatch):
    """As deployed: JWT_SECRET_PARAMETER names the SecureString, no JWT_SECRET in the environment."""
    from shop import config

    name = os.environ.get("JWT_SECRET_PARAMETER") or "/shop-test/jwt-secret"
    boto3.client("ssm", region_name="us-east-1", **iam.harness_credentials()).put_parameter(
        Name=name, Value=TEST_SECRET, Type="SecureString", Overwrite=True
    )
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.setenv("JWT_SECRET_PARAMETER", name)
    config.reset()
    yield name
    config.reset()


@pytest.fixture
def ssm_faults(secret_in_ssm, backoff_delays):
    from shop import config

    with DynamoFaults(config._ssm(), service="ssm") as injector:
        yield injector


@pytest.mark.parametrize("fault", [ssm_throttled, request_limit, internal_error, read_timeout, connect_timeout])
def test_a_secret_ssm_cannot_give_is_a_503_with_retry_after_and_the_next_request_reads_it(
    customer, ssm_faults, backoff_delays, fault
):
    from shop import config

    config.signing_secrets.cache_clear()  # a cold start
    ssm_faults.fail("GetParameter", fault)

    refused = invoke("GET", "/orders", token=customer.token)

    assert refused.status == 503, refused.body
    assert refused.code == "SERVICE_UNAVAILABLE" and int(refused.headers["Retry-After"]) >= 1
    assert ssm_faults.attempts["GetParameter"] == 3  # botocore retried, as for DynamoDB
    ssm_faults.heal()
    assert invoke("GET", "/orders", token=customer.token).status == 200


def test_a_login_during_an_ssm_outage_is_a_503_and_works_after(customer, ssm_faults):
    from shop import config

    config.signing_secrets.cache_clear()
    ssm_faults.fail("GetParameter", ssm_throttled)
    body = {"email": customer.email, "password": customer.password}
    assert invoke("POST", "/auth/login", body=body).status == 503
    ssm_faults.heal()
    assert invoke("POST", "/auth/login", body=body).status == 200


def test_the_ssm_client_has_the_dynamodb_clients_timeouts_and_retries(secret_in_ssm):
    from shop import config
    from shop.storage import dynamo

    ssm, table = config._ssm().meta.config, dynamo.client(None, "us-east-1").meta.config
    for setting in ("connect_timeout", "read_timeout", "retries"):
        assert getattr(ssm, setting) == getattr(table, setting), setting
    assert ssm.read_timeout < 60  # botocore's default, ten times a 6 s function
