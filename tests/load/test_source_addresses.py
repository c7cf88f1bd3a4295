"""Locust users come from distinct 127.x.y.z addresses, so the per-address limits stay on
during a run against the local server, and 127.0.0.1 keeps its own quota."""

from __future__ import annotations

import json
import sys

import pytest

from tests.load.conftest import ROOT, locust, locust_env, register

pytestmark = pytest.mark.blackbox

sys.path.insert(0, str(ROOT / "load"))
import addresses  # noqa: E402  # load/ is Locust's folder, not a package


def test_a_run_with_the_limits_on_fails_nothing_and_leaves_this_machine_able_to_sign_up(limited_server, tmp_path):
    # Before the run: 127.0.0.1 has used none of its two sign-ups.
    env = locust_env(limited_server, tmp_path, LOAD_PROGRESS_SECONDS="3")
    result = locust(["--headless", "--host", limited_server.url, "--only-summary"], env)
    summary = json.loads((tmp_path / "load-summary.json").read_text())
    total = next(row for row in summary["rows"] if row["name"] == "TOTAL")
    registers = next(row for row in summary["rows"] if row["name"] == "POST /auth/register")
    # More sign-ups than one address may make, none refused: each user had its own address.
    assert registers["requests"] > 2, result.stderr
    assert total["failures"] == 0, result.stderr
    assert result.returncode == 0, result.stderr
    # While it ran: what the verdict judges, then a progress line every 3 s (a 12 s run).
    assert "load judges: p95 < 60000 ms per request type and in total" in result.stdout
    progress = [line for line in result.stdout.splitlines() if " users " in line and " req/s " in line]
    assert len(progress) >= 3, result.stdout
    assert all(" p95 " in line and " failures 0 (0.00%)" in line for line in progress), progress
    assert summary["judges"][0] == "p95 < 60000 ms per request type and in total"
    # The machine's own address signs up twice afterwards, and the limit still holds on the third.
    for n in range(2):
        assert register(limited_server.url, f"after-{n}@example.com").status_code == 201
    refused = register(limited_server.url, "after-2@example.com")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]


def test_addresses_are_distinct_and_never_the_machines_own():
    import requests

    taken = set()
    for _ in range(500):
        session = requests.Session()
        address = addresses.bind(session, "http://127.0.0.1:3000")
        assert address is not None and address.startswith("127.") and not address.startswith("127.0.")
        taken.add(address)
    assert len(taken) == 500


def test_a_deployed_stage_is_reached_from_the_machines_own_address():
    import requests

    session = requests.Session()
    assert addresses.bind(session, "https://abc.execute-api.eu-west-1.amazonaws.com/dev") is None
    assert addresses.bind(session, "http://127.0.0.1:3000") is not None
