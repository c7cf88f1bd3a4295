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
    for name, build in events.items():
        event = build()
        if name not in {route.function for route in gateway.routes}:  # an S3 notification's function
            (record,) = event["Records"]
            assert record["eventName"].startswith("ObjectCreated:") and record["eventSource"] == "aws:s3"
            assert record["s3"]["object"]["key"].startswith("uploads/"), name
            continue
        route, params = gateway.match(event["httpMethod"], event["path"])
        assert route.function == name, f"{name}'s event routes to {route.function}"
        assert (event["pathParameters"] or None) == (params or None)
