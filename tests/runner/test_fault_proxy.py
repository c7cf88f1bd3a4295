"""The soak's fault proxy (devtools.fault_proxy) in front of a real moto server: what a client
sees and what the table holds afterwards, for each kind of fault."""

from __future__ import annotations

import json
import os
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from moto.server import ThreadedMotoServer

from devtools import fault_proxy

TABLE = "fault-proxy-test"


@pytest.fixture(scope="module")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    direct(url).create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield url
    server.stop()


def direct(url: str, **config: object):
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(**config),  # type: ignore[arg-type]
    )


@pytest.fixture
def proxy(moto_url, tmp_path):
    schedule = tmp_path / "schedule.json"
    log = tmp_path / "faults.jsonl"
    proxies = fault_proxy.start_all(schedule, {"dynamodb": moto_url}, log)
    yield proxies["dynamodb"], schedule, log
    proxies["dynamodb"].stop()


def plan(schedule, *faults):
    schedule.write_text(json.dumps({"faults": list(faults)}))
    # a schedule rewritten within the same mtime tick must still be read: nudge the stamp
    stamp = time.time() + len(faults)
    os.utime(schedule, (stamp, stamp))


def window(kind, **extra):
    return {"target": "dynamodb", "kind": kind, "rate": 1.0, "start": 0, "end": time.time() + 60, **extra}


def put(client, item_id):
    client.put_item(TableName=TABLE, Item={"id": {"S": item_id}})


def stored(moto_url, item_id) -> bool:
    return "Item" in direct(moto_url).get_item(TableName=TABLE, Key={"id": {"S": item_id}}, ConsistentRead=True)


def logged(log):
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_without_a_fault_the_proxy_answers_as_the_endpoint_does(proxy, moto_url):
    faults, _schedule, log = proxy
    item_id = str(uuid.uuid4())
    put(direct(faults.url), item_id)
    assert stored(moto_url, item_id)
    answer = direct(faults.url).get_item(TableName=TABLE, Key={"id": {"S": item_id}})
    assert answer["Item"]["id"]["S"] == item_id
    assert logged(log) == []


def test_a_throttle_is_a_throttling_error_and_nothing_reaches_the_table(proxy, moto_url):
    faults, schedule, log = proxy
    plan(schedule, window("throttle", operations=["PutItem"]))
    item_id = str(uuid.uuid4())
    with pytest.raises(ClientError) as refused:
        put(direct(faults.url, retries={"total_max_attempts": 2, "mode": "standard"}), item_id)
    assert refused.value.response["Error"]["Code"] == "ThrottlingException"
    assert not stored(moto_url, item_id)
    assert [entry["kind"] for entry in logged(log)] == ["throttle", "throttle"]  # botocore retried once
    assert {entry["operation"] for entry in logged(log)} == {"PutItem"}


def test_an_error_is_a_500_and_other_operations_pass(proxy, moto_url):
    faults, schedule, _log = proxy
    plan(schedule, window("error", operations=["PutItem"]))
    item_id = str(uuid.uuid4())
    client = direct(faults.url, retries={"total_max_attempts": 1, "mode": "standard"})
    with pytest.raises(ClientError) as refused:
        put(client, item_id)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert not stored(moto_url, item_id)
    assert client.describe_table(TableName=TABLE)["Table"]["TableName"] == TABLE  # not in the window's operations


def test_a_lost_response_is_applied_but_never_answered(proxy, moto_url):
    faults, schedule, log = proxy
    plan(schedule, window("lost", operations=["PutItem"]))
    item_id = str(uuid.uuid4())
    with pytest.raises((ConnectionClosedError, EndpointConnectionError, ReadTimeoutError)):
        put(direct(faults.url, retries={"total_max_attempts": 1, "mode": "standard"}), item_id)
    assert stored(moto_url, item_id)  # the write landed: only its answer was lost
    assert [entry["kind"] for entry in logged(log)] == ["lost"]


def test_a_timeout_delivers_the_request_after_the_client_gave_up(proxy, moto_url):
    faults, schedule, _log = proxy
    plan(schedule, window("timeout", seconds=1.5, operations=["PutItem"]))
    item_id = str(uuid.uuid4())
    client = direct(faults.url, read_timeout=0.5, retries={"total_max_attempts": 1, "mode": "standard"})
    with pytest.raises((ReadTimeoutError, ConnectionClosedError)):
        put(client, item_id)
    deadline = time.time() + 5
    while not stored(moto_url, item_id) and time.time() < deadline:
        time.sleep(0.1)
    assert stored(moto_url, item_id)


def test_a_window_applies_only_between_its_start_and_end_and_at_its_rate(tmp_path):
    path = tmp_path / "schedule.json"
    now = time.time()
    path.write_text(
        json.dumps(
            {
                "faults": [
                    {"target": "dynamodb", "kind": "error", "rate": 1.0, "start": now + 10, "end": now + 20},
                    {"target": "sns", "kind": "error", "rate": 0.0, "start": 0, "end": now + 20},
                    {"target": "sqs", "kind": "nonsense", "rate": 1.0, "start": 0, "end": now + 20},
                ]
            }
        )
    )
    schedule = fault_proxy.Schedule(path)
    assert schedule.pick("dynamodb", "PutItem", now=now) is None
    assert schedule.pick("dynamodb", "PutItem", now=now + 15)["kind"] == "error"
    assert schedule.pick("dynamodb", "PutItem", now=now + 25) is None
    assert schedule.pick("sns", "Publish", now=now + 15) is None  # rate 0
    assert schedule.pick("sqs", "SendMessage", now=now + 15) is None  # an unknown kind is ignored


def test_the_operation_is_read_from_the_target_header_or_the_form():
    assert fault_proxy.operation_of({"X-Amz-Target": "DynamoDB_20120810.TransactWriteItems"}, b"") == (
        "TransactWriteItems"
    )
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert fault_proxy.operation_of(form, b"Action=PublishBatch&Version=2010-03-31") == "PublishBatch"
    assert fault_proxy.operation_of({}, b"") == ""


def test_without_a_schedule_the_runner_starts_no_proxy(monkeypatch, tmp_path):
    monkeypatch.delenv("FAULT_SCHEDULE", raising=False)
    assert fault_proxy.wrap_environment("http://127.0.0.1:1", "http://127.0.0.1:2", tmp_path) == {}
