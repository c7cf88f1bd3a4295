"""`make bench-cold` (scripts/cold_start.py) has an event for every function of serverless.yml,
and each event routes to its function."""

import importlib.util
import itertools
import sys

from devtools import serverless_config
from devtools.local_server import LocalGateway
from devtools.serverless_config import ROOT


def cold_start_module():
    spec = importlib.util.spec_from_file_location("cold_start", ROOT / "scripts" / "cold_start.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["cold_start"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_function_has_a_benchmark_event_that_routes_to_it():
    cold_start = cold_start_module()
    seeded = cold_start.Seeded(
        pid="p-1", oid="o-1", token="t", admin="a", pending=(f"o-{n}" for n in itertools.count(2))
    )
    events = cold_start.events(seeded)
    functions = set(serverless_config.load()["functions"])
    assert set(events) == functions, f"no benchmark event for {sorted(functions - set(events))}"
    gateway = LocalGateway(serverless_config.routes())
    config = serverless_config.load()["functions"]
    for name, build in events.items():
        event = build()
        if "Records" in event and event["Records"][0].get("eventSource") == "aws:s3":  # processImage
            (record,) = event["Records"]
            assert name not in {route.function for route in gateway.routes}, name
            assert record["eventName"].startswith("ObjectCreated:"), name
            assert record["s3"]["object"]["key"].startswith("uploads/"), name
            continue
        sources = {kind for e in config[name].get("events") or [] for kind in e} - {"http"}
        if "Records" in event:  # an event source's batch: the function has that source
            source = event["Records"][0]["eventSource"]
            assert {"aws:dynamodb": "stream", "aws:sqs": "sqs"}[source] in sources, name
            continue
        if "httpMethod" not in event:  # a scheduled function: EventBridge's event, and no route
            assert event["source"] == "aws.events" and not any(
                "http" in e for e in serverless_config.load()["functions"][name]["events"]
            ), name
            continue
        route, params = gateway.match(event["httpMethod"], event["path"])
        assert route.function == name, f"{name}'s event routes to {route.function}"
        assert (event["pathParameters"] or None) == (params or None)
