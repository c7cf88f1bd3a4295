"""The pieces of the local server that other features plug into: the table from serverless.yml
(a StreamSpecification included, on moto and on DynamoDB Local), the background-job runner and the
local-only route dispatch (CONTRIBUTING.md, "Local server: jobs and routes")."""

from __future__ import annotations

import copy
import json
import threading
import types
import uuid

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from devtools import local_jobs, local_routes, serverless_config
from devtools.local_server import LocalGateway
from tests.conftest import dynamodb_client


@pytest.mark.dynamodb_local
def test_a_stream_specification_in_serverless_yml_reaches_the_created_table(table):
    properties = copy.deepcopy(serverless_config.table_resource()[1])
    properties["StreamSpecification"] = {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    client = dynamodb_client()
    name = f"shop-stream-{uuid.uuid4().hex[:8]}"
    assert serverless_config.create_table(client, name, properties)
    try:
        described = client.describe_table(TableName=name)["Table"]
        assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert described["LatestStreamArn"]
    finally:
        client.delete_table(TableName=name)


def test_a_table_without_a_stream_specification_gets_none():
    properties = serverless_config.table_resource()[1]
    request = serverless_config.create_table_request(
        "t", {k: v for k, v in properties.items() if k != "StreamSpecification"}
    )
    assert "StreamSpecification" not in request


def _job(name: str, tick, interval: float = 0.01):
    return types.SimpleNamespace(NAME=name, tick=tick, interval_seconds=lambda: interval)


def test_a_failing_tick_is_logged_by_type_and_the_job_goes_on(capsys):
    calls = []
    stop = threading.Event()

    def tick():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("secret-looking detail")
        if len(calls) == 3:
            stop.set()

    local_jobs.run_job(_job("flaky", tick), stop)
    assert len(calls) == 3
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert logged == [
        {"level": "ERROR", "logger": "local-jobs", "message": "job tick failed", "job": "flaky", "error": "ValueError"}
    ]


def test_every_module_in_local_jobs_is_a_well_formed_job():
    for job in local_jobs.discover():
        assert isinstance(job.NAME, str) and job.NAME
        assert float(job.interval_seconds()) > 0


def test_the_jobs_setup_runs_in_order_and_a_failing_one_stops_the_start():
    order = []
    ok = types.SimpleNamespace(NAME="a", setup=lambda: order.append("a"))
    broken = types.SimpleNamespace(NAME="b", setup=lambda: (_ for _ in ()).throw(RuntimeError("no bucket")))
    with pytest.raises(RuntimeError):
        local_jobs.setup_all([ok, broken])
    assert order == ["a"]


def test_local_routes_answer_their_prefixes_before_the_api(table, monkeypatch):
    seen = []

    def handle(request: Request) -> Response:
        seen.append(request.path)
        return Response("local", 200)

    monkeypatch.setattr(local_routes, "table", lambda: (("/_local/probe", handle),))
    client = Client(LocalGateway(serverless_config.routes()))
    assert client.get("/_local/probe").text == "local"
    assert client.get("/_local/probe/deeper?x=1").text == "local"
    assert client.get("/_local/prober").status_code == 404  # not under the prefix
    assert client.get("/health").status_code == 200  # the API is untouched
    assert seen == ["/_local/probe", "/_local/probe/deeper"]


def test_a_prefix_claimed_twice_stops_the_start(monkeypatch):
    modules = {
        "devtools.local_routes.one": types.SimpleNamespace(__name__="m", PREFIXES=("/_local/x",), handle=None),
        "devtools.local_routes.two": types.SimpleNamespace(__name__="m", PREFIXES=("/_local/x",), handle=None),
    }
    infos = [types.SimpleNamespace(name="one"), types.SimpleNamespace(name="two")]
    monkeypatch.setattr(local_routes.pkgutil, "iter_modules", lambda path: infos)
    monkeypatch.setattr(local_routes.importlib, "import_module", modules.__getitem__)
    local_routes.table.cache_clear()
    try:
        with pytest.raises(ValueError, match="claimed twice"):
            local_routes.table()
    finally:
        local_routes.table.cache_clear()
