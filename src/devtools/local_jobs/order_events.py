"""The order events path on `make run`, as AWS runs it (docs/EVENTS.md):

  table stream --(Lambda's stream event source: filter, batch, partial failures)--> publishOrderEvents
  --> SNS topic --(subscription: raw delivery, filter policy)--> SQS queue (redrive to a DLQ)
  --(Lambda's SQS event source: batch, partial failures)--> notifyCustomers --> SES

The table's stream is read with the `dynamodbstreams` API of the local DynamoDB (DynamoDB
Local or moto), and the records become the Lambda events AWS would deliver; the real
handlers run on them. SNS, SQS and SES are the local AWS endpoint's (moto), so SNS's
filter policy and raw delivery, and SQS's redrive policy, are theirs, configured from
serverless.yml's resources. Emails stay in moto's SES: GET /_local/outbox shows them.

Where the stream has been read is kept in LOCAL_DATA_DIR, so a restart neither loses
nor replays changes; a stream it has not seen before is read from its newest record
(the stream reader: _table_stream.py).
"""

from __future__ import annotations

import functools
import json
import os
import time
import uuid
from typing import Any

from devtools import lambda_events, serverless_config
from devtools.local_jobs._table_stream import TableStream, streams_client
from devtools.local_jobs._table_stream import region as _region

NAME = "order-events"
PUBLISHER = "publishOrderEvents"
NOTIFIER = "notifyCustomers"
# As in devtools.local_env.LOCAL_DEFAULTS (make run sets them); for a job run on its own.
DEFAULTS = {
    "EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:shop-api-local-events",
    "ORDER_EMAILS_QUEUE": "shop-api-local-order-emails",
    "ORDER_EVENTS_DLQ": "shop-api-local-order-events-dlq",
    "SES_SENDER_ADDRESS": "orders@shop.example",
}
# Locally a failed email comes back after this many seconds (on AWS: the queue's
# VisibilityTimeout, 150 s), so the retries and the move to the DLQ can be watched.
RETRY_SECONDS_DEFAULT = "5"
RECEIVE_ROUNDS = 10  # queue batches per tick at most, so one tick cannot starve the next stream read
QUEUE_IDLE_POLL_SECONDS = 1.0

_state: dict[str, Any] = {}


def interval_seconds() -> float:
    return float(os.environ.get("ORDER_EVENTS_POLL_SECONDS", "0.25"))


@functools.cache
def _client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Account-based endpoints (<account>.streams-ddb...) are for AWS; an endpoint variable
    # (AWS_ENDPOINT_URL_DYNAMODB_STREAMS, ...) or moto in this process serves the rest.
    return boto3.client(service, region_name=_region(), config=Config(account_id_endpoint_mode="disabled"))


# --- set-up: the topic, the queues, the subscription and the sender, from serverless.yml ---------


def _queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def setup() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    _client.cache_clear()
    streams_client.cache_clear()
    sqs, sns = _client("sqs"), _client("sns")
    queue_props = serverless_config.resource("OrderEventsQueue")
    dlq_props = serverless_config.resource("OrderEventsDeadLetterQueue")
    subscription = serverless_config.resource("OrderEmailsSubscription")
    dlq_url, dlq_arn = _queue(
        sqs, os.environ["ORDER_EVENTS_DLQ"], {"MessageRetentionPeriod": str(dlq_props["MessageRetentionPeriod"])}
    )
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue_props["RedrivePolicy"]["maxReceiveCount"]}
    queue_url, queue_arn = _queue(
        sqs,
        os.environ["ORDER_EMAILS_QUEUE"],
        {
            "MessageRetentionPeriod": str(queue_props["MessageRetentionPeriod"]),
            "VisibilityTimeout": os.environ.get("ORDER_EMAILS_RETRY_SECONDS", RETRY_SECONDS_DEFAULT),
            "RedrivePolicy": json.dumps(redrive),
        },
    )
    topic_arn = sns.create_topic(Name=os.environ["EVENTS_TOPIC_ARN"].rsplit(":", 1)[1])["TopicArn"]
    os.environ["EVENTS_TOPIC_ARN"] = topic_arn
    existing = sns.list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", [])
    if not any(s["Endpoint"] == queue_arn for s in existing):
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={
                "RawMessageDelivery": str(subscription["RawMessageDelivery"]).lower(),
                "FilterPolicyScope": subscription["FilterPolicyScope"],
                "FilterPolicy": json.dumps(subscription["FilterPolicy"]),
            },
        )
    _client("ses").verify_email_identity(EmailAddress=os.environ["SES_SENDER_ADDRESS"])
    patterns = serverless_config.stream_filter_patterns(PUBLISHER)
    lambda_events.check_filter_patterns(patterns)
    from shop import config, events_topic, mail

    config.reset()
    events_topic.reset()
    mail.reset()
    for function in (PUBLISHER, NOTIFIER):  # imported now: the first event pays no import (a cold start)
        _handler(function)
    events_topic._sns(_region())  # and the handlers' clients exist
    mail._ses(_region())
    _state.clear()
    _state.update(
        queue_url=queue_url, queue_arn=queue_arn, dlq_url=dlq_url, patterns=patterns, stream=TableStream.open()
    )


def _handler(function: str) -> Any:
    from devtools.lambda_runtime import import_handler

    return import_handler(serverless_config.load()["functions"][function]["handler"])


def _invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    from devtools.lambda_runtime import LambdaContext

    timeout = int(serverless_config.load()["functions"][function].get("timeout", 10))
    return _handler(function)(event, LambdaContext(function, str(uuid.uuid4()), timeout)) or {}


def deliver_stream() -> int:
    """Run the publisher on every new stream record of the table; returns how many it saw."""
    stream: TableStream = _state["stream"]
    seen = 0
    for shard_id, records, ended in stream.batches():
        batch = [lambda_events.stream_record(r, stream.arn, _region()) for r in records]
        batch = [r for r in batch if lambda_events.matches(_state["patterns"], r)]
        failed = _invoke(PUBLISHER, {"Records": batch}).get("batchItemFailures") if batch else []
        seen += len(batch)
        if failed:
            first = min((f["itemIdentifier"] for f in failed), key=int)
            stream.retry_from(shard_id, first)
            continue
        stream.handled(shard_id, records[-1]["dynamodb"]["SequenceNumber"] if records else None, ended)
    return seen


# --- the queue, read as Lambda's SQS event source mapping reads it -------------------------------


def deliver_queue() -> int:
    """Run the notifier on the queue's messages, 10 at a time; delete the ones it handled.
    The rest come back after the visibility timeout, and SQS moves a message to the DLQ
    on its receive past maxReceiveCount. Returns how many messages it was given."""
    sqs = _client("sqs")
    given = 0
    for _ in range(RECEIVE_ROUNDS):
        messages = sqs.receive_message(
            QueueUrl=_state["queue_url"],
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        given += len(messages)
        event = {"Records": [lambda_events.sqs_record(m, _state["queue_arn"], _region()) for m in messages]}
        failed = {f["itemIdentifier"] for f in _invoke(NOTIFIER, event).get("batchItemFailures", [])}
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if m["MessageId"] not in failed
        ]
        if done:
            sqs.delete_message_batch(QueueUrl=_state["queue_url"], Entries=done)
    return given


def tick() -> None:
    """The stream every tick; the queue right after the publisher published (SNS delivers to
    it at once), and otherwise every QUEUE_IDLE_POLL_SECONDS for the retries coming back."""
    if not _state:
        setup()
    published = deliver_stream()
    if published or time.monotonic() >= _state.get("queue_poll_at", 0.0):
        deliver_queue()
        _state["queue_poll_at"] = time.monotonic() + QUEUE_IDLE_POLL_SECONDS


def drain(seconds: float) -> None:
    """At make run's stop: what the stream and the queue still hold is delivered first, bounded
    by `seconds`. The local queue lives in memory (SQS keeps it on AWS): a message left in it
    at the stop would be an email lost across a restart."""
    if not _state:
        return
    deadline = time.monotonic() + seconds
    sqs = _client("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while time.monotonic() < deadline:
        deliver_stream()
        deliver_queue()
        counts = sqs.get_queue_attributes(QueueUrl=_state["queue_url"], AttributeNames=names)["Attributes"]
        if not any(int(counts.get(name, "0")) for name in names):
            return
        time.sleep(0.25)
