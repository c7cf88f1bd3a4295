"""The table's stream, read as Lambda's DynamoDB Streams event source mapping reads it: every
shard in order, parents before children, from where it was left (kept in LOCAL_DATA_DIR, so a
restart neither loses nor replays changes), again from a failed record after a partial batch
failure. Used by the order events job (order_events.py) and the search index job
(search_index.py), each with its own state file; skipped by job discovery (the `_`).
"""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path
from typing import Any

STATE_FILE = "order-events-stream.json"  # the order events job's; other jobs name their own
SHARDS_REFRESH_SECONDS = 5.0  # DynamoDB rolls a stream's shards over every few hours


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


@functools.cache
def streams_client() -> Any:
    import boto3
    from botocore.config import Config

    # Without its own endpoint variable, the stream is where the table is.
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB_STREAMS") or os.environ.get("DYNAMODB_ENDPOINT_URL") or None
    return boto3.client(
        "dynamodbstreams",
        region_name=region(),
        endpoint_url=endpoint,
        config=Config(account_id_endpoint_mode="disabled"),
    )


def dynamodb_client() -> Any:
    import boto3

    return boto3.client("dynamodb", region_name=region(), endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)


def state_path(state_file: str = STATE_FILE) -> Path | None:
    folder = os.environ.get("LOCAL_DATA_DIR")
    return Path(folder) / state_file if folder else None


class TableStream:
    """Every shard of the table's stream, each read in order from where it was left."""

    def __init__(
        self,
        client: Any,
        arn: str,
        positions: dict[str, str | None],
        finished: set[str],
        state_file: str = STATE_FILE,
    ):
        self.client, self.arn, self.state_file = client, arn, state_file
        self.positions = positions  # shard -> last sequence number handled (None: none yet)
        self.finished = finished  # closed shards read to their end
        self.iterators: dict[str, str] = {}
        self.shards: list[dict[str, Any]] | None = None
        self.shards_until = 0.0

    @classmethod
    def open(cls, state_file: str = STATE_FILE) -> TableStream:
        from shop import config

        table = dynamodb_client().describe_table(TableName=config.settings().table_name)["Table"]
        arn = table.get("LatestStreamArn")
        if not arn:
            raise RuntimeError("the table has no stream: serverless.yml's StreamSpecification was not applied")
        client = streams_client()
        path = state_path(state_file)
        saved = json.loads(path.read_text()) if path and path.is_file() else {}
        if saved.get("streamArn") == arn:
            return cls(client, arn, saved["positions"], set(saved["finished"]), state_file)
        stream = cls(client, arn, {}, set(), state_file)
        for shard in stream._shards():  # a stream not seen before: from now on
            if "EndingSequenceNumber" in shard["SequenceNumberRange"]:
                stream.finished.add(shard["ShardId"])
            else:
                stream.iterators[shard["ShardId"]] = client.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
                )["ShardIterator"]
                stream.positions[shard["ShardId"]] = None
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
        path = state_path(self.state_file)
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            state = {"streamArn": self.arn, "positions": self.positions, "finished": sorted(self.finished)}
            path.write_text(json.dumps(state))

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
        """(shard, records, shard ended) for every shard with something new; parents first.
        The shard list is read again every SHARDS_REFRESH_SECONDS, or when a shard ended."""
        found = []
        if self.shards is None or time.monotonic() >= self.shards_until:
            self.shards = self._shards()
            self.shards_until = time.monotonic() + SHARDS_REFRESH_SECONDS
        shards = self.shards
        known = {shard["ShardId"] for shard in shards}
        for shard in shards:
            shard_id, parent = shard["ShardId"], shard.get("ParentShardId")
            if shard_id in self.finished or (parent in known and parent not in self.finished):
                continue
            response = self.client.get_records(ShardIterator=self._iterator(shard_id), Limit=100)
            following = response.get("NextShardIterator")
            if following:
                self.iterators[shard_id] = following
            else:
                self.iterators.pop(shard_id, None)
            if response["Records"] or not following:
                found.append((shard_id, response["Records"], not following))
            if not following:
                self.shards = None  # its children are new shards
        return found

    def handled(self, shard_id: str, last_sequence: str | None, ended: bool) -> None:
        if last_sequence:
            self.positions[shard_id] = last_sequence
        if ended:
            self.finished.add(shard_id)
        self.save()

    def retry_from(self, shard_id: str, sequence: str) -> None:
        """Read the shard again from `sequence`, as Lambda does after a partial batch failure."""
        self.iterators[shard_id] = self.client.get_shard_iterator(
            StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=sequence
        )["ShardIterator"]
