"""The order events path on moto (docs/EVENTS.md): the table's real stream records, the
publisher, SNS with the subscription's filter policy and raw delivery, SQS with the
template's redrive policy, the notifier, and moto's SES, read back through GET /_local/outbox.

The local job (devtools.local_jobs.order_events) drives it, as on `make run`; a second,
unfiltered queue on the topic ("audit") shows every event that was published. The tests
marked dynamodb_local also run on DynamoDB Local's own stream (make test-dynamodb-local).
"""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devtools.local_jobs import order_events as job
from devtools.local_routes import outbox
from shop.handlers import notify_customers, publish_order_events
from tests import factories, iam
from tests.apigw import invoke, invoke_function
from tests.conftest import LOCAL_ENDPOINT
from tests.integration.conftest import Account, pay_order, register


@pytest.fixture
def aws():
    """moto for SNS, SQS and SES. On DynamoDB Local (make test-dynamodb-local) the table and
    its stream are DynamoDB Local's, and moto answers only the other services."""
    if LOCAL_ENDPOINT is None:
        yield  # the session's embedded moto answers every service
        return
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def path(table, aws, monkeypatch, tmp_path):
    """The topic, queues, subscription and sender of this test, as the job sets them up."""
    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setenv("LOCAL_DATA_DIR", str(tmp_path))
    topic = f"events-{suffix}"
    if iam.enabled():  # the publisher's role names the template's topic: use it
        topic = iam.ENFORCEMENT.template["Resources"]["OrderEventsTopic"]["Properties"]["TopicName"]
    monkeypatch.setenv("EVENTS_TOPIC_ARN", f"arn:aws:sns:us-east-1:123456789012:{topic}")
    monkeypatch.setenv("ORDER_EMAILS_QUEUE", f"emails-{suffix}")
    monkeypatch.setenv("ORDER_EVENTS_DLQ", f"dlq-{suffix}")
    monkeypatch.setenv("SES_SENDER_ADDRESS", "orders@shop.example")
    monkeypatch.setenv("ORDER_EMAILS_RETRY_SECONDS", "0")  # a failed message is back at once
    monkeypatch.delenv("AWS_ENDPOINT_URL_SES", raising=False)
    publish_order_events._topic.cache_clear()
    notify_customers._mailer.cache_clear()
    # Each function runs as itself (under `make test-iam`: with exactly its role's policy).
    monkeypatch.setattr(job, "_invoke", lambda function, event: invoke_function(function, event) or {})
    job.setup()
    sqs, sns = boto3.client("sqs", region_name="us-east-1"), boto3.client("sns", region_name="us-east-1")
    audit_url = sqs.create_queue(QueueName=f"audit-{suffix}")["QueueUrl"]
    audit_arn = sqs.get_queue_attributes(QueueUrl=audit_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=job._state["queue_arn"] and _topic(),
        Protocol="sqs",
        Endpoint=audit_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    yield {"sqs": sqs, "audit": audit_url}
    publish_order_events._topic.cache_clear()
    notify_customers._mailer.cache_clear()


def _topic() -> str:
    import os

    return os.environ["EVENTS_TOPIC_ARN"]


def published(path) -> list[dict]:
    """Every event on the topic since the last call (the audit queue, drained)."""
    events = []
    while True:
        messages = path["sqs"].receive_message(QueueUrl=path["audit"], MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return events
        for message in messages:
            events.append(json.loads(message["Body"]))
            path["sqs"].delete_message(QueueUrl=path["audit"], ReceiptHandle=message["ReceiptHandle"])


def emails(order_id: str) -> list[dict]:
    request = Request(EnvironBuilder(path="/_local/outbox", query_string={"orderId": order_id}).get_environ())
    response = outbox.handle(request)
    assert response.status_code == 200
    return json.loads(response.get_data())["data"]


def place_order(customer: Account, product, quantity: int = 2) -> dict:
    item = product(price=12.5, stock=10)
    body = {"items": [{"productId": item["id"], "quantity": quantity}], "shippingAddress": factories.ADDRESS}
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 201, result.body
    return result.data


def move(admin: Account, order_id: str, status: str) -> None:
    result = invoke("PUT", f"/orders/{order_id}/status", body={"status": status}, token=admin.token)
    assert result.status == 200, result.body


def queue_depths(path, url: str) -> int:
    attributes = path["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.mark.dynamodb_local
def test_each_lifecycle_move_is_one_event_and_one_email_to_the_owner(path, customer, admin, product):
    order = place_order(customer, product)
    expected = [("order.created", None)]
    job.tick()
    for status in ("paid", "shipped", "delivered"):
        pay_order(customer.token, order["id"]) if status == "paid" else move(admin, order["id"], status)
        job.tick()
        expected.append((f"order.{status}", None))

    events = published(path)
    assert [e["type"] for e in events] == [t for t, _ in expected]
    assert len({e["eventId"] for e in events}) == 4
    assert all(e["order"]["id"] == order["id"] and e["order"]["totalAmount"] == "25.00" for e in events)
    assert [e["order"]["previousStatus"] for e in events] == [None, "pending", "paid", "shipped"]

    sent = emails(order["id"])
    assert [m["eventType"] for m in sent] == ["order.delivered", "order.shipped", "order.paid", "order.created"]
    for message in sent:
        assert message["to"] == customer.email
        assert order["id"] in message["text"] and "Total: 25.00 USD" in message["text"]
        assert "2 x " in message["text"]
        assert message["sentAt"].endswith("Z")
    # Nothing secret travels with an event or an email.
    for text in [json.dumps(events), json.dumps(sent)]:
        assert "passwordHash" not in text and customer.token not in text and "shippingAddress" not in text


@pytest.mark.dynamodb_local
def test_cancelled_and_expired_orders_mail_once_and_a_failed_payment_is_published_but_not_mailed(
    path, customer, admin, product
):
    from shop.storage import storage

    cancelled, expired, declined = (place_order(customer, product, 1) for _ in range(3))
    job.tick()
    assert invoke("POST", f"/orders/{cancelled['id']}/cancel", token=customer.token).status == 200
    # Expiry and payment failures are written by issue 12's code; here, the writes it makes.
    order = storage().orders.get(expired["id"], consistent=True)
    storage().orders.update_status(order, {"status": "expired", "statusHistory": [], "updatedAt": "2026-12-01T00:00Z"})
    decline = {"reason": "card_declined", "at": "2026-12-01T00:00:01Z"}
    storage().table.update(
        {"id": declined["id"], "type": "order"},
        UpdateExpression="SET payment = :payment",
        ExpressionAttributeValues={":payment": {"status": "requires_payment", "lastDecline": decline}},
    )
    job.tick()

    events = published(path)
    later = [(e["type"], e["order"]["id"]) for e in events if e["type"] != "order.created"]
    assert sorted(later) == sorted(
        [
            ("order.cancelled", cancelled["id"]),
            ("order.expired", expired["id"]),
            ("order.payment_failed", declined["id"]),
        ]
    )
    failed = next(e for e in events if e["type"] == "order.payment_failed")
    assert failed["payment"] == {"status": "failed", "reason": "card_declined", "at": "2026-12-01T00:00:01Z"}
    assert [m["eventType"] for m in emails(cancelled["id"])] == ["order.cancelled", "order.created"]
    assert [m["eventType"] for m in emails(expired["id"])] == ["order.expired", "order.created"]
    assert [m["eventType"] for m in emails(declined["id"])] == ["order.created"]  # the filter policy keeps it out


def _stream_batch() -> dict:
    """The next Lambda event the stream source would deliver (all records, before any filter)."""
    stream = job._state["stream"]
    records = [r for _, batch, _ in stream.batches() for r in batch]
    return {"Records": [job.lambda_events.stream_record(r, stream.arn, "us-east-1") for r in records]}


@pytest.mark.dynamodb_local
def test_the_publisher_ignores_other_items_and_order_changes_that_are_not_status_changes(
    path, customer, admin, product
):
    from shop.storage import storage

    order = place_order(customer, product)  # also writes the product's stock: not an order item
    register()  # a user and an email guard
    # A history trim, and a payment attempt starting: order changes that are not events.
    for expression, value in (("SET statusHistory = :v", []), ("SET payment = :v", {"attemptUntil": 1_900_000_000})):
        storage().table.update(
            {"id": order["id"], "type": "order"}, UpdateExpression=expression, ExpressionAttributeValues={":v": value}
        )
    event = _stream_batch()
    kinds = {(r["dynamodb"]["Keys"]["type"]["S"], r["eventName"]) for r in event["Records"]}
    assert {("order", "INSERT"), ("order", "MODIFY"), ("product", "MODIFY"), ("user", "INSERT")} <= kinds
    assert (
        sum(r["eventName"] == "MODIFY" and r["dynamodb"]["Keys"]["type"]["S"] == "order" for r in event["Records"]) == 2
    )

    result = invoke_function("publishOrderEvents", event)

    assert result == {"batchItemFailures": []}
    assert [e["type"] for e in published(path)] == ["order.created"]


@pytest.mark.dynamodb_local
def test_a_stream_batch_delivered_twice_still_sends_one_email_per_event(path, customer, admin, product):
    order = place_order(customer, product)
    pay_order(customer.token, order["id"])
    event = _stream_batch()

    invoke_function("publishOrderEvents", event)
    invoke_function("publishOrderEvents", event)  # Lambda retried the batch after a timeout
    twice = published(path)
    assert [e["type"] for e in twice] == ["order.created", "order.paid"] * 2
    assert twice[:2] == twice[2:]  # the same event ids: recognisable as the same events
    job.deliver_queue()
    job.deliver_queue()

    assert sorted(m["eventType"] for m in emails(order["id"])) == ["order.created", "order.paid"]
    assert queue_depths(path, job._state["queue_url"]) == 0


def _send_to_queue(path, bodies: list[str]) -> None:
    for body in bodies:
        path["sqs"].send_message(
            QueueUrl=job._state["queue_url"],
            MessageBody=body,
            MessageAttributes={"eventType": {"DataType": "String", "StringValue": "order.paid"}},
        )


def _event_body(order: dict, kind: str = "order.paid") -> str:
    return json.dumps(
        {
            "eventId": uuid.uuid4().hex,
            "type": kind,
            "version": 1,
            "occurredAt": "2026-12-01T10:00:00Z",
            "order": {
                "id": order["id"],
                "userId": order["userId"],
                "status": "paid",
                "previousStatus": "pending",
                "totalAmount": "25.00",
                "currency": "usd",
                "items": [],
            },
        }
    )


def test_one_failing_message_in_a_batch_is_the_only_one_retried(path, customer, admin, product, monkeypatch):
    first, second, third = (place_order(customer, product) for _ in range(3))
    real_send = notify_customers.Mailer.send
    failures = []

    def flaky(self, to, subject, text, html, headers):
        if headers["X-Shop-Order-Id"] == second["id"] and not failures:
            failures.append(headers["X-Shop-Event-Id"])
            raise ConnectionError("SES timed out")
        return real_send(self, to, subject, text, html, headers)

    monkeypatch.setattr(notify_customers.Mailer, "send", flaky)
    _send_to_queue(path, [_event_body(first), _event_body(second), _event_body(third)])
    messages = path["sqs"].receive_message(
        QueueUrl=job._state["queue_url"], MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    event = {"Records": [job.lambda_events.sqs_record(m, job._state["queue_arn"], "us-east-1") for m in messages]}
    by_order = {json.loads(m["Body"])["order"]["id"]: m["MessageId"] for m in messages}

    result = invoke_function("notifyCustomers", event)

    assert result == {"batchItemFailures": [{"itemIdentifier": by_order[second["id"]]}]}
    assert len(emails(first["id"])) == 1 and len(emails(third["id"])) == 1 and emails(second["id"]) == []
    # The retry (SES answers again) sends the failed one, once; the others are not sent again.
    retry = {"Records": [r for r in event["Records"] if r["messageId"] == by_order[second["id"]]]}
    assert invoke_function("notifyCustomers", retry) == {"batchItemFailures": []}
    assert invoke_function("notifyCustomers", event) == {"batchItemFailures": []}
    assert [len(emails(o["id"])) for o in (first, second, third)] == [1, 1, 1]


def test_a_message_that_always_fails_ends_in_the_dlq_after_max_receive_count_and_nothing_else_is_lost(
    path, customer, product
):
    order = place_order(customer, product)
    _send_to_queue(path, ["not an event", _event_body(order)])
    max_receive = job.serverless_config.resource("OrderEventsQueue")["RedrivePolicy"]["maxReceiveCount"]
    assert max_receive == 5

    receives = 0
    for _ in range(max_receive + 2):
        receives += job.deliver_queue()
        time.sleep(0.01)

    assert queue_depths(path, job._state["queue_url"]) == 0
    dead = path["sqs"].receive_message(QueueUrl=job._state["dlq_url"], AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in dead] == ["not an event"]
    # The poison message was received maxReceiveCount times, the good one once.
    assert receives == max_receive + 1
    assert [m["eventType"] for m in emails(order["id"])] == ["order.paid"]


def test_the_outbox_is_local_only_and_read_only(path):
    request = Request(EnvironBuilder(path="/_local/outbox", method="DELETE").get_environ())
    response = outbox.handle(request)
    assert response.status_code == 405
    assert json.loads(response.get_data())["code"] == "METHOD_NOT_ALLOWED"
    from devtools import serverless_config

    assert not [r for r in serverless_config.routes() if r.path.startswith("/_local")]


@pytest.mark.dynamodb_local
def test_a_restarted_job_resumes_where_it_stopped_neither_losing_nor_repeating_changes(path, customer, admin, product):
    before = place_order(customer, product)
    job.tick()
    job._state.clear()  # make run stops...
    while_down = place_order(customer, product)
    pay_order(customer.token, before["id"])
    job.setup()  # ...and starts again, from the position kept in LOCAL_DATA_DIR
    job.tick()

    assert [m["eventType"] for m in emails(before["id"])] == ["order.paid", "order.created"]
    assert [m["eventType"] for m in emails(while_down["id"])] == ["order.created"]
    assert sorted(e["type"] for e in published(path)) == ["order.created", "order.created", "order.paid"]


def test_a_declined_payment_is_order_payment_failed_and_a_paid_one_mails_once(path, customer, product):
    order = place_order(customer, product)
    job.tick()
    declined = invoke(
        "POST", f"/orders/{order['id']}/payment", body={"paymentMethod": "pm_card_chargeDeclined"}, token=customer.token
    )
    assert declined.status == 402, declined.body
    paid = invoke(
        "POST", f"/orders/{order['id']}/payment", body={"paymentMethod": "pm_card_visa"}, token=customer.token
    )
    assert paid.status == 200, paid.body
    job.tick()

    events = published(path)
    assert [e["type"] for e in events] == ["order.created", "order.payment_failed", "order.paid"]
    assert events[1]["payment"]["reason"] == "card_declined"
    assert [m["eventType"] for m in emails(order["id"])] == ["order.paid", "order.created"]


def test_sns_unreachable_fails_the_batch_from_its_first_event_and_the_retry_publishes_it(
    path, customer, product, backoff_delays, log_lines
):
    from shop import events_topic
    from tests.faults import DynamoFaults, connect_timeout

    order = place_order(customer, product)
    event = _stream_batch()
    first_order_record = next(r for r in event["Records"] if r["dynamodb"]["Keys"]["type"]["S"] == "order")
    publish_order_events._topic.cache_clear()

    with DynamoFaults(events_topic._sns("us-east-1"), service="sns") as sns:
        sns.fail("PublishBatch", connect_timeout)
        refused = invoke_function("publishOrderEvents", event)
        assert sns.attempts["PublishBatch"] == 3  # botocore's retries, as every AWS client has
        sns.heal()
        retried = invoke_function("publishOrderEvents", event)

    assert refused == {"batchItemFailures": [{"itemIdentifier": first_order_record["dynamodb"]["SequenceNumber"]}]}
    assert any(
        '"order events not published"' in line and '"errorType":"ConnectTimeoutError"' in line for line in log_lines
    )
    assert retried == {"batchItemFailures": []}
    assert [(e["type"], e["order"]["id"]) for e in published(path)] == [("order.created", order["id"])]
