"""The order events path's two AWS services besides DynamoDB: the SNS topic events are
published to, and SES, which mails customers. Clients are created on first use and kept
for warm invocations; boto3 is imported only then."""

from __future__ import annotations

import functools
import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from . import jsonio
from .config import ConfigError
from .edge import logger

PUBLISH_BATCH_LIMIT = 10  # SNS PublishBatch takes at most 10 entries


@functools.cache
def _client(service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=5),
    )


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


class Topic:
    """The order events topic. Each event is one message; its `eventType` attribute is
    what subscriptions filter on."""

    def __init__(self, arn: str | None = None):
        self.arn = arn or _required("EVENTS_TOPIC_ARN")

    def publish(self, events: list[dict[str, Any]]) -> list[int]:
        """Publish `events` (at most 10) in one PublishBatch; returns the indexes that failed
        (all of them when SNS could not be reached or refused the call)."""
        from botocore.exceptions import BotoCoreError, ClientError

        entries = [
            {
                "Id": str(index),
                "Message": jsonio.dumps(event),
                "MessageAttributes": {"eventType": {"DataType": "String", "StringValue": event["type"]}},
            }
            for index, event in enumerate(events)
        ]
        try:
            response = _client("sns", _region()).publish_batch(TopicArn=self.arn, PublishBatchRequestEntries=entries)
        except (BotoCoreError, ClientError) as error:
            logger.warning(  # safe: the error's type only
                "order events not published", extra={"errorType": type(error).__name__}
            )
            return list(range(len(events)))
        failed = response.get("Failed", [])
        if failed:
            logger.warning(  # safe: SNS's error codes only
                "order events refused", extra={"codes": sorted({f.get("Code", "") for f in failed})}
            )
        return sorted(int(entry["Id"]) for entry in failed)


class Mailer:
    """SES, sending as the configured address: plain text and HTML in one message."""

    def __init__(self, sender: str | None = None, client: Any = None):
        """`client`: an SES client of the caller's (an HTTP route's, with the request's
        deadline, shop.aws); by default this module's own."""
        self.sender = sender or _required("SES_SENDER_ADDRESS")
        self.client = client

    def send(self, to: str, subject: str, text: str, html: str, headers: dict[str, str]) -> str:
        """Returns SES's message id."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        for name, value in headers.items():
            message[name] = value
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        response = (self.client or _client("ses", _region())).send_raw_email(
            Source=self.sender, Destinations=[to], RawMessage={"Data": message.as_bytes()}
        )
        return str(response["MessageId"])


def reset() -> None:
    """Forget the cached clients (tests and tools change the environment)."""
    _client.cache_clear()
