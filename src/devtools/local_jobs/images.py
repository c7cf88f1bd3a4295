"""processImage on the local server: S3's ObjectCreated notification, played locally.

The local S3 form endpoint (devtools/local_routes/media.py) stores an accepted upload in the
local S3 and sends the event S3 would send, in S3's own shape, to a local SQS queue; each tick
takes the waiting events and invokes the real processImage handler with them, as Lambda would
(an event that fails stays on the queue and comes back after its visibility timeout, as
Lambda's async retries do).

Persistence: DynamoDB Local keeps its data across restarts, the local S3 (moto) does not. So
every rendition processImage writes is also copied to LOCAL_DATA_DIR/media/, and setup() puts
back into the fresh bucket those whose image is still `ready` on its product (a GetItem per
product folder), deleting the others' copies; uploads in flight are not kept.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NAME = "images"
DEFAULT_BUCKET = "shop-api-local-media"
DEFAULT_QUEUE = "shop-api-local-media-events"
VISIBILITY_SECONDS = 10


def bucket() -> str:
    return os.environ.get("MEDIA_BUCKET") or DEFAULT_BUCKET


def queue_name() -> str:
    return os.environ.get("MEDIA_EVENTS_QUEUE") or DEFAULT_QUEUE


def data_dir() -> Path:
    root = os.environ.get("LOCAL_DATA_DIR") or str(Path(__file__).resolve().parents[3] / ".local")
    return Path(root) / "media"


def _s3(**credentials: str) -> Any:
    import boto3

    return boto3.client("s3", region_name=os.environ.get("AWS_REGION", "us-east-1"), **credentials)


def _sqs() -> Any:
    """The SQS client of this process, made once per endpoint and region: tick() polls 4 times
    a second, and making a client costs more than the poll (docs/BENCHMARKS.md, "Where the
    time goes")."""
    return _sqs_for(os.environ.get("AWS_ENDPOINT_URL_SQS"), os.environ.get("AWS_REGION", "us-east-1"))


@functools.cache
def _sqs_for(endpoint_url: str | None, region: str) -> Any:
    import boto3

    return boto3.client("sqs", region_name=region)


@functools.cache
def _queue_url(name: str) -> str:
    return _sqs().create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(VISIBILITY_SECONDS)})["QueueUrl"]


def s3_event(bucket_name: str, key: str, size: int, etag: str, source_ip: str = "127.0.0.1") -> dict[str, Any]:
    """An `s3:ObjectCreated:Post` notification, shaped as S3 sends it to Lambda."""
    from urllib.parse import quote_plus

    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": os.environ.get("AWS_REGION", "us-east-1"),
                "eventTime": now,
                "eventName": "ObjectCreated:Post",
                "userIdentity": {"principalId": "AWS:LOCAL"},
                "requestParameters": {"sourceIPAddress": source_ip},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper()},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "uploads",
                    "bucket": {
                        "name": bucket_name,
                        "ownerIdentity": {"principalId": "LOCAL"},
                        "arn": f"arn:aws:s3:::{bucket_name}",
                    },
                    # S3 URL-encodes the key in events (spaces as +)
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag,
                        "sequencer": uuid.uuid4().hex[:18].upper(),
                    },
                },
            }
        ]
    }


def notify(event: dict[str, Any]) -> None:
    """What S3's bucket notification does: hand the event over, here to the local queue."""
    _sqs().send_message(QueueUrl=_queue_url(queue_name()), MessageBody=json.dumps(event))


def setup() -> None:
    _sqs_for.cache_clear()
    s3 = _s3()
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket())
    _queue_url(queue_name())
    restore()


def interval_seconds() -> float:
    return float(os.environ.get("IMAGE_POLL_SECONDS") or 0.25)


def tick() -> None:
    sqs = _sqs()
    url = _queue_url(queue_name())
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    for message in messages:
        event = json.loads(message["Body"])
        invoke(event)
        keep_on_disk(event)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """The real handler, imported as the local server imports every function's handler."""
    from devtools import serverless_config
    from devtools.lambda_runtime import LambdaContext, import_handler

    function = serverless_config.load()["functions"]["processImage"]
    context = LambdaContext("processImage", str(uuid.uuid4()), timeout_s=int(function.get("timeout", 60)))
    return import_handler(function["handler"])(event, context)


def _image_ids(event: dict[str, Any]) -> list[tuple[str, str]]:
    from urllib.parse import unquote_plus

    from shop.storage import keys

    found = []
    for record in event.get("Records") or []:
        ids = keys.parse_upload(unquote_plus(record["s3"]["object"]["key"]))
        if ids:
            found.append(ids)
    return found


def keep_on_disk(event: dict[str, Any]) -> None:
    """Copy the renditions processImage wrote for these uploads (or drop the copies of none)."""
    from shop.storage import keys

    s3 = _s3()
    for product_id, image_id in _image_ids(event):
        for size in keys.RENDITION_SIZES:
            key = keys.rendition(product_id, image_id, size)
            path = data_dir() / key
            try:
                body = s3.get_object(Bucket=bucket(), Key=key)["Body"].read()
            except s3.exceptions.NoSuchKey:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)


def restore() -> int:
    """Put the kept renditions of images still ready back into the bucket; returns how many."""
    from shop.storage import keys, storage

    root = data_dir() / keys.RENDITIONS
    if not root.is_dir():
        return 0
    s3, restored = _s3(), 0
    for product_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        found = storage().images.read(product_dir.name)
        images = found.images if found else {}
        for image_dir in sorted(p for p in product_dir.iterdir() if p.is_dir()):
            image = images.get(image_dir.name)
            if image is None or image.status != "ready":
                shutil.rmtree(image_dir)
                continue
            for size in keys.RENDITION_SIZES:
                path = image_dir / f"{size}.webp"
                if path.is_file():
                    key = keys.rendition(product_dir.name, image_dir.name, size)
                    s3.put_object(Bucket=bucket(), Key=key, Body=path.read_bytes(), ContentType="image/webp")
                    restored += 1
        if not any(product_dir.iterdir()):
            product_dir.rmdir()
    return restored
