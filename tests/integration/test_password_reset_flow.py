"""Password reset through the real handlers (issue 31): POST /auth/password-reset mails a
single-use link through SES (moto's, read back through GET /_local/outbox), and
POST /auth/password-reset/confirm spends it."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid

import boto3
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devtools.local_routes import outbox
from devtools.request_costs import counting
from shop.handlers import request_password_reset
from tests import factories, iam
from tests.apigw import invoke
from tests.conftest import ALLOWED_ORIGIN, LOCAL_ENDPOINT
from tests.faults import before_call
from tests.integration.conftest import register

# Also on DynamoDB Local (make test-dynamodb-local): its transactions and conditions are AWS's.
pytestmark = pytest.mark.dynamodb_local

NEW_PASSWORD = "Reset-Horse-Battery-7"
LINK = re.compile(re.escape(ALLOWED_ORIGIN) + r"/reset-password\?token=([A-Za-z0-9_-]+)")


@pytest.fixture
def ses(table, monkeypatch):
    """moto's SES with the sender verified, read back in-process (as on `make run`, via the outbox)."""
    if LOCAL_ENDPOINT is not None:
        from moto import mock_aws

        with mock_aws():
            yield from _verified(monkeypatch)
        return
    yield from _verified(monkeypatch)


def _verified(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SES", raising=False)
    request_password_reset._mailer.cache_clear()
    client = boto3.client("ses", region_name="us-east-1", **iam.harness_credentials())
    client.verify_email_identity(EmailAddress="orders@shop.example")
    yield
    request_password_reset._mailer.cache_clear()


def mails_to(address: str) -> list[dict]:
    request = Request(EnvironBuilder(path="/_local/outbox", query_string={"to": address}).get_environ())
    return json.loads(outbox.handle(request).get_data())["data"]


def ask(email: str, **kwargs):
    return invoke("POST", "/auth/password-reset", body={"email": email}, **kwargs)


def token_from(mail: dict) -> str:
    found = LINK.search(mail["text"])
    assert found, mail["text"]
    return found.group(1)


def reset_item(ddb, table, token):
    key = {"id": {"S": "reset#" + hashlib.sha256(token.encode()).hexdigest()}, "type": {"S": "reset"}}
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def test_a_known_email_gets_a_link_whose_token_is_stored_only_hashed(ses, ddb, table):
    account = register(name="Ann Reset")
    result = ask(account.email.upper())
    assert (result.status, result.json) == (202, {"success": True, "data": {"accepted": True}})
    [mail] = mails_to(account.email)
    assert mail["subject"] == "Reset your password" and mail["eventType"] == "account.password_reset"
    assert "Hello Ann Reset" in mail["text"] and "30 minutes" in mail["text"]
    token = token_from(mail)
    assert len(token) >= 43  # 256 random bits
    stored = reset_item(ddb, table, token)
    assert stored["userId"]["S"] == account.user_id
    assert int(stored["expiresAt"]["N"]) - time.time() == pytest.approx(1800, abs=60)
    assert token not in json.dumps(stored) and token not in result.body


def test_an_unknown_email_is_answered_alike_with_the_same_dynamodb_calls_and_no_email(ses, table, monkeypatch):
    from shop import config
    from shop.storage import storage

    monkeypatch.setenv("PASSWORD_RESET_MIN_MS", "300")
    config.reset()
    account = register()
    unknown = factories.email()
    answers, operations, took = [], [], []
    with counting(storage().client) as log:
        for email in (account.email, unknown):
            log.calls.clear()
            started = time.monotonic()
            answers.append(ask(email, source_ip=f"198.51.100.{len(answers) + 1}"))
            took.append(time.monotonic() - started)
            operations.append(log.operations)
    assert [(a.status, a.body) for a in answers] == [(202, answers[0].body)] * 2
    assert operations[0] == operations[1] == ["UpdateItem", "UpdateItem", "GetItem", "GetItem", "PutItem"]
    assert all(0.3 <= seconds < 1.5 for seconds in took), took  # both wait out the same floor
    assert len(mails_to(account.email)) == 1 and mails_to(unknown) == []


def test_the_token_sets_a_new_password_once(ses, table):
    account = register()
    ask(account.email)
    token = token_from(mails_to(account.email)[0])
    done = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": NEW_PASSWORD})
    assert (done.status, done.data) == (200, {"passwordReset": True})
    signed_out = invoke("GET", "/me", token=account.token)  # the session from before the reset
    assert (signed_out.status, signed_out.code) == (401, "UNAUTHORIZED")
    old = invoke("POST", "/auth/login", body={"email": account.email, "password": account.password})
    assert old.status == 401
    assert invoke("POST", "/auth/login", body={"email": account.email, "password": NEW_PASSWORD}).status == 200
    again = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": "Other-Horse-Battery-8"})
    assert (again.status, again.code) == (400, "INVALID_RESET_TOKEN")
    assert invoke("POST", "/auth/login", body={"email": account.email, "password": NEW_PASSWORD}).status == 200


@pytest.mark.parametrize("token", ["forged", "A" * 43, "x" * 200])
def test_a_forged_token_is_refused(ses, table, token):
    result = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": NEW_PASSWORD})
    assert (result.status, result.code) == (400, "INVALID_RESET_TOKEN")
    assert result.json["error"] and token not in result.body


def test_an_expired_token_is_refused_even_before_ttl_deletes_it(ses, ddb, table):
    account = register()
    ask(account.email)
    token = token_from(mails_to(account.email)[0])
    key = {"id": {"S": "reset#" + hashlib.sha256(token.encode()).hexdigest()}, "type": {"S": "reset"}}
    ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    result = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": NEW_PASSWORD})
    assert (result.status, result.code) == (400, "INVALID_RESET_TOKEN")
    assert invoke("POST", "/auth/login", body={"email": account.email, "password": account.password}).status == 200


def test_a_weak_password_is_a_400_and_leaves_the_token_usable(ses, table):
    account = register()
    ask(account.email)
    token = token_from(mails_to(account.email)[0])
    weak = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": "lowercase-only-9"})
    assert (weak.status, weak.code) == (400, "VALIDATION_ERROR") and "password" in weak.json["details"]
    done = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": NEW_PASSWORD})
    assert done.status == 200


def test_a_password_changed_after_the_request_voids_the_link(ses, table):
    account = register()
    ask(account.email)
    token = token_from(mails_to(account.email)[0])
    body = {"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    assert invoke("PUT", "/me/password", token=account.token, body=body).status == 200
    late = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": "Other-Horse-Battery-8"})
    assert (late.status, late.code) == (400, "INVALID_RESET_TOKEN")
    assert invoke("POST", "/auth/login", body={"email": account.email, "password": NEW_PASSWORD}).status == 200


def test_of_two_links_the_first_used_voids_the_other(ses, table):
    account = register()
    ask(account.email)
    ask(account.email)
    first, second = (token_from(mail) for mail in mails_to(account.email))
    assert invoke("POST", "/auth/password-reset/confirm", body={"token": first, "password": NEW_PASSWORD}).status == 200
    other = invoke("POST", "/auth/password-reset/confirm", body={"token": second, "password": "Other-Horse-Battery-8"})
    assert (other.status, other.code) == (400, "INVALID_RESET_TOKEN")


def test_two_confirms_of_one_token_racing_one_wins(ses, table):
    """Both read the record before either writes (the second starts just before the first's
    transaction goes out): the conditional delete in the transaction lets one through."""
    from shop.storage import storage

    account = register()
    ask(account.email)
    token = token_from(mails_to(account.email)[0])
    results = {}

    def confirm(name, password):
        results[name] = invoke("POST", "/auth/password-reset/confirm", body={"token": token, "password": password})

    racer = threading.Thread(target=confirm, args=("second", "Other-Horse-Battery-8"))
    with before_call(storage().client, "TransactWriteItems") as meanwhile:
        meanwhile(lambda: (racer.start(), time.sleep(0.3)))
        confirm("first", NEW_PASSWORD)
    racer.join(10)
    statuses = sorted((r.status, r.code) for r in results.values())
    assert statuses == [(200, None), (400, "INVALID_RESET_TOKEN")], {k: r.body for k, r in results.items()}
    winner = NEW_PASSWORD if results["first"].status == 200 else "Other-Horse-Battery-8"
    assert invoke("POST", "/auth/login", body={"email": account.email, "password": winner}).status == 200


def test_an_address_gets_at_most_three_emails_an_hour_and_is_still_answered_202(ses, table):
    account = register()
    for attempt in range(5):
        result = ask(account.email, source_ip=f"192.0.2.{attempt + 10}")
        assert result.status == 202
    assert len(mails_to(account.email)) == 3


def test_requests_are_limited_per_source_address(ses, table, monkeypatch):
    from shop import config

    monkeypatch.setenv("PASSWORD_RESET_IP_LIMIT", "2")
    config.reset()
    here = f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    assert [ask(factories.email(), source_ip=here).status for _ in range(2)] == [202, 202]
    refused = ask(factories.email(), source_ip=here)
    assert (refused.status, refused.code) == (429, "TOO_MANY_REQUESTS") and int(refused.headers["Retry-After"]) > 0


def test_a_bad_email_or_field_is_a_400(ses, table):
    assert invoke("POST", "/auth/password-reset", body={}).status == 400
    assert invoke("POST", "/auth/password-reset", body={"email": "a@b.co", "admin": True}).status == 400
    missing = invoke("POST", "/auth/password-reset/confirm", body={"password": NEW_PASSWORD})
    assert (missing.status, missing.code) == (400, "VALIDATION_ERROR") and "token" in missing.json["details"]


def test_an_ses_failure_is_answered_the_same_and_logged_by_type_only(ses, table, monkeypatch, caplog):
    from shop.mail import Mailer

    def refuse(self, *args, **kwargs):
        raise ConnectionError("SES said no to ann@example.com")

    monkeypatch.setattr(Mailer, "send", refuse)
    account = register()
    result = ask(account.email)
    assert (result.status, result.data) == (202, {"accepted": True})
    [line] = [r for r in caplog.records if r.getMessage() == "password reset email not sent"]
    assert line.errorType == "ConnectionError" and "@" in line.email and account.email != line.email
