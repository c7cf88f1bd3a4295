"""The search index on `make run`, fed as AWS feeds it (docs/SEARCH.md):

  table stream --(Lambda's stream event source: the product filter, batches, partial
  failures)--> indexProducts --> the next snapshot and the pointer in the local S3

The stream is read with the local DynamoDB's `dynamodbstreams` API every
SEARCH_INDEX_POLL_SECONDS (0.2 s), and the records become the events Lambda would deliver;
the real handler runs on them. The search functions (in the API workers) look at the pointer
every SEARCH_POINTER_SECONDS (0.25 s locally), so a product change is found within about
a second (measured: p50 0.41 s, max 1.04 s over 50 writes; docs/SEARCH.md).

Persistence: the table (DynamoDB Local) survives a restart, the local S3 (moto) does not.
setup() therefore rebuilds the index from the table (indexProducts with {"rebuild": true},
as on AWS) whenever the local S3 holds no pointer, after opening the stream, so a change
made during the rebuild is applied after it. Where the stream has been read is kept in
LOCAL_DATA_DIR/search-index-stream.json (the stream reader: _table_stream.py, shared with
the order events job).
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from typing import Any

from devtools import lambda_events, serverless_config
from devtools.local_jobs._table_stream import TableStream, streams_client
from devtools.local_jobs._table_stream import region as _region

NAME = "search-index"
FUNCTION = "indexProducts"
STATE_FILE = "search-index-stream.json"
DEFAULT_BUCKET = "shop-api-local-search"  # as in devtools.local_env.LOCAL_DEFAULTS

_state: dict[str, Any] = {}


def interval_seconds() -> float:
    return float(os.environ.get("SEARCH_INDEX_POLL_SECONDS", "0.2"))


@functools.cache
def _s3() -> Any:
    import boto3

    return boto3.client("s3", region_name=_region())


def _invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    from devtools.lambda_runtime import LambdaContext, import_handler

    declared = serverless_config.load()["functions"][function]
    handler = import_handler(declared["handler"])
    return handler(event, LambdaContext(function, str(uuid.uuid4()), int(declared.get("timeout", 10)))) or {}


def setup() -> None:
    from shop import config
    from shop.search import snapshots

    _s3.cache_clear()
    streams_client.cache_clear()
    config.reset()
    snapshots.reset()
    s3 = _s3()
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=os.environ.setdefault("SEARCH_BUCKET", DEFAULT_BUCKET))
    patterns = serverless_config.stream_filter_patterns(FUNCTION)
    lambda_events.check_filter_patterns(patterns)
    _state.clear()
    _state.update(patterns=patterns, stream=TableStream.open(STATE_FILE))
    if snapshots.read_pointer() is None:
        _invoke(FUNCTION, {"rebuild": True})


def deliver_stream() -> int:
    """Run indexProducts on every new product record of the stream; how many it was given."""
    stream: TableStream = _state["stream"]
    given = 0
    for shard_id, records, ended in stream.batches():
        batch = [lambda_events.stream_record(r, stream.arn, _region()) for r in records]
        batch = [r for r in batch if lambda_events.matches(_state["patterns"], r)]
        failed = _invoke(FUNCTION, {"Records": batch}).get("batchItemFailures") if batch else []
        given += len(batch)
        if failed:
            stream.retry_from(shard_id, min((f["itemIdentifier"] for f in failed), key=int))
            continue
        stream.handled(shard_id, records[-1]["dynamodb"]["SequenceNumber"] if records else None, ended)
    return given


def tick() -> None:
    if not _state:
        setup()
    deliver_stream()
