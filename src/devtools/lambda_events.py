"""Lambda event shapes built from what the local backends return, as Lambda's event source
mappings build them: a DynamoDB Streams batch from `dynamodbstreams` GetRecords records,
an SQS batch from ReceiveMessage messages, and Lambda's event filtering (FilterCriteria).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any


def stream_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda DynamoDB Streams event. boto3 parses what Lambda leaves as
    JSON: the creation time (Lambda: epoch seconds) and binary values (Lambda: base64)."""
    change = _binary_as_base64(dict(record["dynamodb"]))
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


def _binary_as_base64(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _binary_as_base64(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_binary_as_base64(v) for v in value]
    return value


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a ReceiveMessage message (AttributeNames and
    MessageAttributeNames "All")."""
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
            **({"binaryValue": base64.b64encode(value["BinaryValue"]).decode()} if "BinaryValue" in value else {}),
        }
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes") or {},
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def check_filter_patterns(patterns: list[dict[str, Any]]) -> None:
    """Refuse what `matches` does not implement, so a pattern is never silently ignored."""

    def walk(pattern: Any) -> None:
        if isinstance(pattern, dict):
            for value in pattern.values():
                walk(value)
        elif isinstance(pattern, list):
            if not all(isinstance(v, (str, int, float, bool)) or v is None for v in pattern):
                raise NotImplementedError(f"filter rule {pattern!r}: only exact values are emulated locally")
        else:
            raise ValueError(f"filter pattern values are lists or objects, not {pattern!r}")

    for pattern in patterns:
        walk(pattern)


def matches(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    """Lambda's event filtering with exact-value rules: a record passes when any pattern
    matches; a pattern matches when every field it names holds one of its values. No
    patterns: everything passes."""
    return not patterns or any(_match(pattern, record) for pattern in patterns)


def _match(pattern: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for name, rule in pattern.items():
        if name not in value:
            return False
        if isinstance(rule, dict):
            if not _match(rule, value[name]):
                return False
        elif value[name] not in rule:
            return False
    return True
