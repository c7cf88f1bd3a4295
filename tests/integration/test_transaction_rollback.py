"""TransactWriteItems keeps its all-or-nothing semantics with the embedded moto's item-level
rollback (devtools/embedded_dynamodb.py). Also run on DynamoDB Local: same answers there."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import LOCAL_ENDPOINT

pytestmark = pytest.mark.dynamodb_local


def _item(item_id: str, **extra: dict) -> dict:
    return {"id": {"S": item_id}, "type": {"S": "thing"}, "gsi1pk": {"S": "things"}, "gsi1sk": {"S": item_id}, **extra}


def _key(item_id: str) -> dict:
    return {"id": {"S": item_id}, "type": {"S": "thing"}}


def _everything(ddb, table: str) -> list[dict]:
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: item["id"]["S"])


def _seed(ddb, table: str) -> None:
    for item_id, count in (("a", "1"), ("b", "5"), ("c", "9")):
        ddb.put_item(TableName=table, Item=_item(item_id, count={"N": count}))


def _refused(ddb, transact_items: list[dict]) -> pytest.ExceptionInfo[ClientError]:
    """Sends the transaction, which DynamoDB must refuse."""
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=transact_items)
    return refused


def _exists_check(table: str, item_id: str) -> dict:
    """A condition check that fails where the item is missing."""
    return {"ConditionCheck": {"TableName": table, "Key": _key(item_id), "ConditionExpression": "attribute_exists(id)"}}


def test_a_cancelled_transaction_leaves_every_item_and_index_as_it_was(ddb, table):
    _seed(ddb, table)
    before = _everything(ddb, table)
    cancelled = _refused(
        ddb,
        [
            # applied first, then undone: an update, a delete and a new item
            {
                "Update": {
                    "TableName": table,
                    "Key": _key("a"),
                    "UpdateExpression": "SET #c = #c + :one REMOVE gsi1pk",
                    "ExpressionAttributeNames": {"#c": "count"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": table, "Key": _key("b")}},
            {"Put": {"TableName": table, "Item": _item("new", count={"N": "0"})}},
            # fails: its condition does not hold
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": _key("c"),
                    "ConditionExpression": "#c < :limit",
                    "ExpressionAttributeNames": {"#c": "count"},
                    "ExpressionAttributeValues": {":limit": {"N": "3"}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ],
    )
    error = cancelled.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    reasons = error["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert reasons[3]["Item"]["count"] == {"N": "9"}
    assert _everything(ddb, table) == before
    listed = ddb.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "things"}},
    )["Items"]
    assert [item["id"]["S"] for item in listed] == ["a", "b", "c"]


def test_a_transaction_that_holds_applies_every_write(ddb, table):
    _seed(ddb, table)
    ddb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": _key("a"),
                    "UpdateExpression": "SET #c = #c + :one",
                    "ConditionExpression": "#c < :limit",
                    "ExpressionAttributeNames": {"#c": "count"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":limit": {"N": "3"}},
                }
            },
            {"Delete": {"TableName": table, "Key": _key("b")}},
            {"Put": {"TableName": table, "Item": _item("d", count={"N": "0"})}},
        ]
    )
    assert {item["id"]["S"]: item["count"]["N"] for item in _everything(ddb, table)} == {"a": "2", "c": "9", "d": "0"}


def test_a_validation_error_midway_rolls_back_and_is_reported(ddb, table):
    _seed(ddb, table)
    before = _everything(ddb, table)
    rejected = _refused(
        ddb,
        [
            {"Delete": {"TableName": table, "Key": _key("a")}},
            {"Put": {"TableName": table, "Item": _item("a", count={"N": "0"})}},  # same key twice
        ],
    )
    assert rejected.value.response["Error"]["Code"] == "ValidationException"
    assert _everything(ddb, table) == before


@pytest.mark.skipif(LOCAL_ENDPOINT is not None, reason="moto's internals")
def test_moto_transactions_no_longer_copy_whole_tables(ddb, table, monkeypatch):
    from moto.dynamodb.models.table import Table

    def refuse(self, memo):
        raise AssertionError("a whole table was deep-copied")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    _seed(ddb, table)
    _refused(ddb, [{"Delete": {"TableName": table, "Key": _key("a")}}, _exists_check(table, "missing")])
    assert [item["id"]["S"] for item in _everything(ddb, table)] == ["a", "b", "c"]


def _stream_records(ddb, table: str) -> list[dict]:
    import boto3
    from botocore.config import Config

    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = boto3.client(
        "dynamodbstreams",
        region_name="us-east-1",
        endpoint_url=LOCAL_ENDPOINT,
        config=Config(account_id_endpoint_mode="disabled"),
    )
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        records += streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return records


def test_a_cancelled_transaction_leaves_no_stream_record_and_a_held_one_one_per_item(ddb, table):
    """The order events path reads the stream (docs/EVENTS.md): a cancelled order must not be an event."""
    _seed(ddb, table)
    before = len(_stream_records(ddb, table))
    _refused(
        ddb, [{"Put": {"TableName": table, "Item": _item("new", count={"N": "0"})}}, _exists_check(table, "missing")]
    )
    assert len(_stream_records(ddb, table)) == before
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": _item("new", count={"N": "0"})}},
            {"Delete": {"TableName": table, "Key": _key("a")}},
        ]
    )
    assert [r["eventName"] for r in _stream_records(ddb, table)[before:]] in (
        ["INSERT", "REMOVE"],
        ["REMOVE", "INSERT"],
    )
