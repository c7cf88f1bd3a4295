"""`make cost`'s pricing (scripts/cost.py) of what DynamoDB Local measured, and its mix."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cost.py"
# The shape of what tests/integration/test_capacity_units.py writes: (read units, write units,
# function, measured ms) per request the Locust users send.
MEASURED = {
    "GET /products": (0.5, 0, "listProducts", 4.5),
    "GET /products?cursor": (0.5, 0, "listProducts", 3.2),
    "GET /products?category": (0.5, 0, "listProducts", 3.6),
    "GET /products/{id}": (0.5, 0, "getProduct", 2.9),
    "POST /auth/login": (2.0, 2.0, "login", 271.3),
    "POST /auth/register": (0, 3.0, "register", 264.9),
    "POST /products": (1.0, 3.0, "createProduct", 5.8),
    "PUT /products/{id}": (1.0, 3.0, "updateProduct", 5.9),
    "PUT /products/{id} (catalogue)": (1.0, 3.0, "updateProduct", 5.8),
    "DELETE /products/{id}": (1.0, 3.0, "deleteProduct", 5.4),
    "PUT /cart/items/{productId}": (3.0, 1.0, "putCartItem", 12.0),
    "POST /checkout": (4.0, 16.0, "checkout", 21.7),
    "POST /checkout (idempotent retry)": (3.0, 0, "checkout", 6.9),
    "POST /orders/{id}/payment": (2.0, 20.0, "payOrder", 16.2),
    "POST /orders/{id}/payment (declined)": (3.0, 16.0, "payOrder", 19.7),
    "POST /orders/{id}/payment (idempotent retry)": (2.0, 0, "payOrder", 4.8),
    "GET /orders": (1.5, 0, "listOrders", 8.5),
    "GET /orders/{id}": (2.0, 0, "getOrder", 5.1),
}
STATS_HEADER = "Type,Name,Request Count,Failure Count,Median Response Time\n"


def cost(tmp_path, measured=MEASURED, mix_csv=None):
    path = tmp_path / "units.json"
    requests = {name: {"read": r, "write": w, "function": f, "ms": ms} for name, (r, w, f, ms) in measured.items()}
    path.write_text(json.dumps({"repeats": 7, "bcrypt_rounds": 12, "requests": requests}))
    env = {"COST_UNITS_FILE": str(path), "PATH": "", **({"COST_MIX_CSV": str(mix_csv)} if mix_csv else {})}
    return subprocess.run(  # noqa: S603
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, check=False
    )


def row(output, name):
    line = next(line for line in output.splitlines() if line.startswith(f"| `{name}` "))
    return [cell.strip() for cell in line.strip("|").split("|")]


def stats_csv(tmp_path, counts):
    """A Locust stats CSV (load/run.py's --csv) with these requests, a CHECK row and the total."""
    path = tmp_path / "load_stats.csv"
    lines = [f"{name.split()[0]},{name},{count},0,100\n" for name, count in counts.items()]
    lines.append("CHECK,idempotent retry returned another order,1,1,0\n")
    lines.append(f",Aggregated,{sum(counts.values()) + 1},1,100\n")
    path.write_text(STATS_HEADER + "".join(lines))
    return path


def test_a_run_s_counts_are_priced_from_units_measured_duration_and_memory(tmp_path):
    mix = stats_csv(tmp_path, {"POST /checkout": 70, "POST /auth/login": 930})
    output = cost(tmp_path, mix_csv=mix).stdout
    checkout, login = row(output, "POST /checkout"), row(output, "POST /auth/login")
    assert [checkout[1], login[1]] == ["7.0%", "93.0%"]  # the CHECK row and the total are not requests
    # 70,000 checkouts of 4 read and 16 write request units.
    assert checkout[5:7] == ["4", "16"]
    assert checkout[9] == f"{70_000 * (4 * 0.125 + 16 * 0.625) / 1e6:.2f}"
    # 930,000 logins at 1024 MB (bcrypt's memory, from serverless.yml), 271.3 ms billed as 272.
    assert login[2:5] == ["login", "1024", "271.3"]
    assert login[8] == f"{930_000 * (0.2 / 1e6 + 0.272 * 0.0000166667):.2f}"
    assert f"counted from {mix} (1,000 requests)" in output
    for assumption in ("API Gateway REST", "per GB-second", "write request units", "SES", "bcrypt at cost factor 12"):
        assert assumption in output


def test_a_request_of_the_run_that_was_not_measured_stops_the_pricing(tmp_path):
    result = cost(tmp_path, mix_csv=stats_csv(tmp_path, {"POST /checkout": 70, "GET /cart": 30}))
    assert result.returncode != 0
    assert "no units or duration measured for ['GET /cart']" in result.stderr


def test_one_more_read_or_20_ms_more_on_a_request_show_in_its_price_and_the_total(tmp_path):
    before = cost(tmp_path).stdout
    read, _, function, ms = MEASURED["GET /products/{id}"]
    more_read = cost(tmp_path, {**MEASURED, "GET /products/{id}": (read + 0.5, 0, function, ms)}).stdout
    slower = cost(tmp_path, {**MEASURED, "GET /products/{id}": (read, 0, function, ms + 20)}).stdout
    assert float(row(more_read, "GET /products/{id}")[9]) > float(row(before, "GET /products/{id}")[9])
    assert float(row(slower, "GET /products/{id}")[8]) > float(row(before, "GET /products/{id}")[8])
    totals = [line for output in (before, more_read, slower) for line in output.splitlines() if "one million" in line]
    assert len(set(totals)) == 3
    assert "derived from load/users.py" in before


@pytest.fixture
def script():
    spec = importlib.util.spec_from_file_location("cost", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LOCUSTFILE = """
class Reader(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    @task(3)
    def read(self):
        self.client.get("/a", name="GET /a")

    @task
    def pages(self):
        self.client.get("/b", name="GET /b")


class Writer(HttpUser):
    weight = 1
    wait_time = between(0, 1)

    def on_start(self):
        self.client.post("/signup", name="POST /signup")

    @task(1)
    def write(self):
        self.client.post("/a", name="POST /a")
"""


def test_the_mix_is_derived_from_the_users_weights_waits_and_tasks(script, monkeypatch):
    monkeypatch.setattr(
        script, "TASKS", {"Reader.read": {"GET /a": 1}, "Reader.pages": {"GET /b": 2}, "Writer.write": {"POST /a": 1}}
    )
    monkeypatch.setattr(script, "ON_START", {"Writer": {"POST /signup": 1}})
    # Readers are 3/4 of the users and run a task every 2 s, 3 in 4 a read; writers one every 0.5 s.
    assert script.derived_mix(LOCUSTFILE) == pytest.approx(
        {"GET /a": 0.75 / 2 * 3 / 4, "GET /b": 0.75 / 2 / 4 * 2, "POST /a": 0.25 / 0.5, "POST /signup": 0.25 / 300}
    )
    # A task the table does not read, or a name the locustfile no longer sends, stops it.
    for edited in (LOCUSTFILE + "\n    @task(1)\n    def other(self): ...\n", LOCUSTFILE.replace("GET /b", "GET /c")):
        with pytest.raises(SystemExit, match="out of date"):
            script.derived_mix(edited)


def test_the_derived_mix_reads_every_task_of_the_load_users(script):
    shares = script.derived_mix(script.USERS.read_text())
    assert set(shares) == set(MEASURED)
