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
LOCAL_DATA_DIR/search-index-stream.json.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from devtools import lambda_events, serverless_config

NAME = "search-index"
FUNCTION = "indexProducts"
STATE_FILE = "search-index-stream.json"
DEFAULT_BUCKET = "shop-api-local-search"  # as in devtools.local_server.LOCAL_DEFAULTS
SHARDS_REFRESH_SECONDS = 5.0

_state: dict[str, Any] = {}


def interval_seconds() -> float:
    return float(os.environ.get("SEARCH_INDEX_POLL_SECONDS", "0.2"))


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


@functools.cache
def _clients() -> tuple[Any, Any, Any]:
    import boto3
    from botocore.config import Config

    plain = Config(account_id_endpoint_mode="disabled")
    table_endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL") or None
    streams_endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB_STREAMS") or table_endpoint
    return (
        boto3.client("dynamodb", region_name=_region(), endpoint_url=table_endpoint, config=plain),
        boto3.client("dynamodbstreams", region_name=_region(), endpoint_url=streams_endpoint, config=plain),
        boto3.client("s3", region_name=_region()),
    )


def _state_path() -> Path | None:
    folder = os.environ.get("LOCAL_DATA_DIR")
    return Path(folder) / STATE_FILE if folder else None


class Stream:
    """Every shard of the table's stream, each read in order from where it was left (a
    stream not seen before: from its newest record)."""

    def __init__(self, client: Any, arn: str, positions: dict[str, str | None], finished: set[str]):
        self.client, self.arn, self.positions, self.finished = client, arn, positions, finished
        self.iterators: dict[str, str] = {}
        self.shards: list[dict[str, Any]] | None = None
        self.shards_until = 0.0

    @classmethod
    def open(cls) -> Stream:
        from shop import config

        dynamodb, streams, _ = _clients()
        arn = dynamodb.describe_table(TableName=config.settings().table_name)["Table"].get("LatestStreamArn")
        if not arn:
            raise RuntimeError("the table has no stream: serverless.yml's StreamSpecification was not applied")
        path = _state_path()
        saved = json.loads(path.read_text()) if path and path.is_file() else {}
        if saved.get("streamArn") == arn:
            return cls(streams, arn, saved["positions"], set(saved["finished"]))
        stream = cls(streams, arn, {}, set())
        for shard in stream._shards():
            shard_id = shard["ShardId"]
            if "EndingSequenceNumber" in shard["SequenceNumberRange"]:
                stream.finished.add(shard_id)
            else:
                stream.iterators[shard_id] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST"
                )["ShardIterator"]
                stream.positions[shard_id] = None
        stream.save()
        return stream

    def _shards(self) -> list[dict[str, Any]]:
        shards, start = [], None
        while True:
            request = {"StreamArn": self.arn, **({"ExclusiveStartShardId": start} if start else {})}
            description = self.client.describe_stream(**request)["StreamDescription"]
            shards += description["Shards"]
            start = description.get("LastEvaluatedShardId")
            if not start:
                return shards

    def save(self) -> None:
        path = _state_path()
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps({"streamArn": self.arn, "positions": self.positions, "finished": sorted(self.finished)})
            )

    def _iterator(self, shard_id: str) -> str:
        if shard_id not in self.iterators:
            last = self.positions.get(shard_id)
            position = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                if last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            self.iterators[shard_id] = self.client.get_shard_iterator(StreamArn=self.arn, ShardId=shard_id, **position)[
                "ShardIterator"
            ]
        return self.iterators[shard_id]

    def batches(self) -> list[tuple[str, list[dict[str, Any]], bool]]:
        """(shard, records, shard ended) for every shard with something new; parents first."""
        if self.shards is None or time.monotonic() >= self.shards_until:
            self.shards = self._shards()
            self.shards_until = time.monotonic() + SHARDS_REFRESH_SECONDS
        known = {shard["ShardId"] for shard in self.shards}
        found = []
        for shard in list(self.shards):
            shard_id, parent = shard["ShardId"], shard.get("ParentShardId")
            if shard_id in self.finished or (parent in known and parent not in self.finished):
                continue
            response = self.client.get_records(ShardIterator=self._iterator(shard_id), Limit=100)
            following = response.get("NextShardIterator")
            if following:
                self.iterators[shard_id] = following
            else:
                self.iterators.pop(shard_id, None)
                self.shards = None  # its children are new shards
            if response["Records"] or not following:
                found.append((shard_id, response["Records"], not following))
        return found

    def handled(self, shard_id: str, last_sequence: str | None, ended: bool) -> None:
        if last_sequence:
            self.positions[shard_id] = last_sequence
        if ended:
            self.finished.add(shard_id)
        self.save()

    def retry_from(self, shard_id: str, sequence: str) -> None:
        self.iterators[shard_id] = self.client.get_shard_iterator(
            StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=sequence
        )["ShardIterator"]


def _invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    from devtools.local_server import LambdaContext, import_handler

    declared = serverless_config.load()["functions"][function]
    handler = import_handler(declared["handler"])
    return handler(event, LambdaContext(function, str(uuid.uuid4()), int(declared.get("timeout", 10)))) or {}


def setup() -> None:
    from shop import config
    from shop.search import snapshots

    _clients.cache_clear()
    config.reset()
    snapshots.reset()
    s3 = _clients()[2]
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=os.environ.setdefault("SEARCH_BUCKET", DEFAULT_BUCKET))
    patterns = serverless_config.stream_filter_patterns(FUNCTION)
    lambda_events.check_filter_patterns(patterns)
    _state.clear()
    _state.update(patterns=patterns, stream=Stream.open())
    if snapshots.read_pointer() is None:
        _invoke(FUNCTION, {"rebuild": True})


def deliver_stream() -> int:
    """Run indexProducts on every new product record of the stream; how many it was given."""
    stream: Stream = _state["stream"]
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
