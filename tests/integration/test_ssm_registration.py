"""Registration and SSM (issue 32, defect 6). An SSM outage while a cold function has not read
its signing secret yet is a 503 that writes nothing, so the client's retry registers the
account (not `EMAIL_TAKEN` for an account it never saw). An SSM `AccessDenied` is no outage but
a misconfigured role: a 500, one ERROR log line naming the parameter, and a CloudWatch metric
(an embedded-metric-format line), never a 503 that a client would retry forever."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.apigw import invoke
from tests.faults import error_response, internal_error
from tests.integration.test_ssm_failures import secret_in_ssm, ssm_faults

__all__ = ["secret_in_ssm", "ssm_faults"]


def access_denied(url: str):
    return error_response(url, 400, "AccessDeniedException")


def test_a_registration_during_an_ssm_outage_writes_nothing_and_its_retry_registers(table, ssm_faults):
    from shop import config

    config.signing_secrets.cache_clear()  # a cold start
    body = {"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "Patient User"}
    ssm_faults.fail("GetParameters", internal_error)

    refused = invoke("POST", "/auth/register", body=body)

    assert refused.status == 503, refused.body
    ssm_faults.heal()
    login = invoke("POST", "/auth/login", body={"email": body["email"], "password": body["password"]})
    assert login.status == 401  # no account was written
    retried = invoke("POST", "/auth/register", body=body)
    assert retried.status == 201, retried.body
    login = invoke("POST", "/auth/login", body={"email": body["email"], "password": body["password"]})
    assert login.status == 200 and login.data["user"]["userId"] == retried.data["user"]["userId"]


@pytest.mark.parametrize("route", ["register", "orders"])
def test_ssm_access_denied_is_a_500_with_a_loud_log_line_and_a_metric(
    table, customer, ssm_faults, log_lines, capsys, route
):
    from shop import config

    config.signing_secrets.cache_clear()
    ssm_faults.fail("GetParameters", access_denied)
    capsys.readouterr()

    if route == "register":
        body = {"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "Denied User"}
        result = invoke("POST", "/auth/register", body=body)
    else:
        result = invoke("GET", "/orders", token=customer.token)

    assert (result.status, result.code) == (500, "INTERNAL_ERROR"), result.body
    assert "Retry-After" not in result.headers
    lines = [json.loads(line) for line in log_lines]
    denied = [line for line in lines if line.get("message") == "SSM access denied"]
    assert len(denied) == 1 and denied[0]["level"] == "ERROR", lines
    assert (
        denied[0]["parameter"].split(",")[0] == secret_in_ssm_name()
        and denied[0]["errorCode"] == "AccessDeniedException"
    )
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    metrics = [line for line in printed if "_aws" in line and "SsmAccessDenied" in line]  # the edge's Http5xx too
    assert [m["SsmAccessDenied"] for m in metrics] == [[1.0]], printed  # one metric, one value
    [directive] = metrics[0]["_aws"]["CloudWatchMetrics"]
    assert directive["Metrics"] == [{"Name": "SsmAccessDenied", "Unit": "Count"}]
    ssm_faults.heal()


def secret_in_ssm_name():
    import os

    return os.environ["JWT_SECRET_PARAMETER"]
