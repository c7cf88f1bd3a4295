"""An order email's delivery claim (services.notifications) under the faults the soak met: the
claim's conditional Put applied with its answer lost, and a user read that fails after the claim.
Found by `make soak` (issue 32): either one left the claim held by nobody, every retry of the
message answered DeliveryInFlight until the claim went stale (120 s), and with the local queue's
5 s visibility the message reached maxReceiveCount first and the email was never sent. Now the
resent claim finds its own token, and a failure after the claim releases it. Through the
notifier's handler, with its SQS event, on moto and DynamoDB Local."""

from __future__ import annotations

import pytest

from tests.apigw import invoke_function
from tests.faults import lost_response, throttled
from tests.integration.test_order_events import _event_body, _send_to_queue, aws, emails, job, path, place_order

pytestmark = pytest.mark.dynamodb_local
__all__ = ["aws", "path"]


def sqs_event(path) -> dict:
    messages = path["sqs"].receive_message(
        QueueUrl=job._state["queue_url"], MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    return {"Records": [job.lambda_events.sqs_record(m, job._state["queue_arn"], "us-east-1") for m in messages]}


def test_a_claim_whose_answer_was_lost_is_the_senders_own_and_the_email_goes_once(path, customer, product, faults):
    order = place_order(customer, product)
    _send_to_queue(path, [_event_body(order)])
    event = sqs_event(path)
    faults.fail("PutItem", lost_response, times=1)  # the claim lands; botocore resends it

    assert invoke_function("notifyCustomers", event) == {"batchItemFailures": []}
    assert faults.attempts["PutItem"] == 2
    faults.heal()
    assert [e["eventType"] for e in emails(order["id"])] == ["order.paid"]
    assert invoke_function("notifyCustomers", event) == {"batchItemFailures": []}  # delivered again: no mail
    assert len(emails(order["id"])) == 1


def test_a_user_read_that_fails_after_the_claim_releases_it_and_the_retry_sends_once(path, customer, product, faults):
    order = place_order(customer, product)
    _send_to_queue(path, [_event_body(order)])
    event = sqs_event(path)
    faults.fail("GetItem", throttled)  # every try of the recipient's read, until healed

    failed = invoke_function("notifyCustomers", event)
    assert failed == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert emails(order["id"]) == []
    faults.heal()

    assert invoke_function("notifyCustomers", event) == {"batchItemFailures": []}  # SQS's next receive
    assert [e["eventType"] for e in emails(order["id"])] == ["order.paid"]


def test_a_sent_email_whose_record_cannot_be_marked_is_not_failed_back_to_the_queue(
    path, customer, product, faults, log_lines
):
    """Found by the 10-minute soak: SES took the email, the delivery record's UpdateItem was
    throttled past botocore's retries, the message failed, every retry met the held claim, and
    the message ended in the dead-letter queue although its email had gone out."""
    order = place_order(customer, product)
    _send_to_queue(path, [_event_body(order)])
    event = sqs_event(path)
    faults.fail("UpdateItem", throttled)  # every try of the mark

    assert invoke_function("notifyCustomers", event) == {"batchItemFailures": []}
    faults.heal()
    assert [e["eventType"] for e in emails(order["id"])] == ["order.paid"]
    assert any("order email sent, its delivery record not marked" in line for line in log_lines)


def test_a_claim_whose_every_answer_was_lost_is_given_back_and_the_next_receive_sends(path, customer, product, faults):
    """Found by the second 10-minute soak: the claim landed, every answer to it was lost past
    botocore's retries, the delivery failed holding a claim nobody would send under, and the
    message was dead-lettered (order.created, never mailed)."""
    order = place_order(customer, product)
    _send_to_queue(path, [_event_body(order)])
    event = sqs_event(path)
    faults.fail("PutItem", lost_response)  # every try applied, no answer ever

    failed = invoke_function("notifyCustomers", event)
    assert failed == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    faults.heal()
    assert emails(order["id"]) == []

    assert invoke_function("notifyCustomers", event) == {"batchItemFailures": []}  # SQS's next receive
    assert [e["eventType"] for e in emails(order["id"])] == ["order.paid"]
