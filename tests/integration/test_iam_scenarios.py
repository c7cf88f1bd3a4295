"""Code paths that need an IAM action no other integration test reaches.

Under `make test-iam` every integration test runs with each function holding exactly its
compiled role's policy (tests/iam.py), so a path that calls an action the role lacks fails
there. Most paths are reached by the behaviour tests already; the rare ones (a window that
ran out, a retry after a lost answer) get a scenario here, in plain Given/When/Then, and
they are ordinary behaviour tests on every other run. A new function needs no entry here
if its own tests invoke it through tests.apigw; the run fails when a function of
serverless.yml was never invoked (CONTRIBUTING.md, "IAM").
"""

from __future__ import annotations

import time

import pytest

from tests import iam
from tests.apigw import invoke


def test_a_second_login_from_one_address_after_its_window_ran_out(table, customer, monkeypatch):
    """The address counter's window is over but TTL has not deleted the item: the login opens
    a new window with a conditional PutItem (login's role needs dynamodb:PutItem)."""
    credentials = {"email": customer.email, "password": customer.password}
    assert invoke("POST", "/auth/login", body=credentials).status == 200
    later = time.time() + 3600
    monkeypatch.setattr("shop.services.throttle.time.time", lambda: later)

    again = invoke("POST", "/auth/login", body=credentials)

    assert again.status == 200, again.body


def test_a_registration_from_an_address_after_its_window_ran_out(table, monkeypatch):
    from tests import factories

    first = {"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "First"}
    assert invoke("POST", "/auth/register", body=first).status == 201
    later = time.time() + 3600
    monkeypatch.setattr("shop.services.throttle.time.time", lambda: later)

    second = invoke("POST", "/auth/register", body={**first, "email": factories.email()})

    assert second.status == 201, second.body


@pytest.mark.skipif(not iam.enabled(), reason="only under IAM enforcement (make test-iam)")
def test_the_enforcement_denies_what_a_role_lacks_and_says_which_action(table):
    """The suite can fail: getProduct's role has GetItem only, so its PutItem is refused."""
    from botocore.exceptions import ClientError

    from shop.storage import storage

    enforcement = iam.ENFORCEMENT
    before = len(enforcement.denied)
    with iam.acting_as("getProduct"), pytest.raises(ClientError) as refused:
        storage().table.client.put_item(TableName=table, Item={"id": {"S": "x"}, "type": {"S": "product"}})
    denied = enforcement.denied[before:]
    del enforcement.denied[before:]  # seen: this test's own denial does not fail it
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert denied == [f"getProduct: dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/{table}"]
    with iam.acting_as("getProduct"):
        storage().table.client.get_item(TableName=table, Key={"id": {"S": "x"}, "type": {"S": "product"}})


@pytest.mark.skipif(not iam.enabled(), reason="only under IAM enforcement (make test-iam)")
def test_the_enforcement_checks_s3_per_key_and_a_refused_delete_is_no_success(table):
    """S3 as AWS authorizes it: deleteImage may delete under uploads/ and images/ only, every key
    of a DeleteObjects is checked (S3 answers 200 and lists the refused keys, which the
    storage does not take for a success); getImage's role has no S3 action at all."""
    import contextlib

    import boto3
    from botocore.exceptions import ClientError

    from shop.storage.media import DeleteRefused, media

    s3 = boto3.client("s3", region_name="us-east-1", **iam.harness_credentials())
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=media().bucket)
    enforcement = iam.ENFORCEMENT
    before = len(enforcement.denied)
    with iam.acting_as("deleteImage"):
        media().delete(["images/p-1/i-1/thumb.webp", "uploads/p-1/i-1"])
        with pytest.raises(DeleteRefused):
            media().delete(["images/p-1/i-1/large.webp", "private/report.csv"])
    with iam.acting_as("getImage"), pytest.raises(ClientError) as refused:
        media().put("images/p-1/i-1/thumb.webp", b"RIFF", "image/webp")
    denied = enforcement.denied[before:]
    del enforcement.denied[before:]  # seen: this test's own denials do not fail it
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    arn = f"arn:aws:s3:::{media().bucket}"
    assert denied == [
        f"deleteImage: s3:DeleteObject on {arn}/private/report.csv",
        f"getImage: s3:PutObject on {arn}/images/p-1/i-1/thumb.webp",
    ]


def test_the_scheduled_expiry_sweep_as_its_own_function(table, customer, product, monkeypatch):
    """expireOrders has no route: EventBridge invokes it. Given an order past the payment
    window, when the function runs (as expireOrders: a Query on gsi2, a BatchGetItem of the
    products, a TransactWriteItems of Updates), then the order is expired and its stock back."""
    from shop import config
    from shop.handlers import expire_orders
    from tests import factories

    monkeypatch.setenv("PAYMENT_WINDOW_SECONDS", "1")
    config.reset()
    lamp = product(stock=4)
    order = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 3))).data
    time.sleep(1.1)
    scheduled = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}

    with iam.acting_as("expireOrders"):
        result = expire_orders.handler(scheduled, None)

    assert result == {"expired": 1, "skipped": 0}
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "expired"
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 4
    config.reset()
