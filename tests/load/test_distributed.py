"""The locustfile in Locust's distributed mode: one master, two workers, against the local server."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from devtools.server_process import free_port
from tests.load.conftest import LOCUSTFILE, ROOT, locust_env

pytestmark = pytest.mark.blackbox


def start(args: list[str], env: dict[str, str], log) -> subprocess.Popen:
    command = [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--loglevel", "WARNING", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)  # noqa: S603


def test_a_master_and_two_workers_merge_their_figures(limited_server, tmp_path):
    port = free_port()
    # 30 s: the workers provision (an admin login, the catalogue) before their users start.
    env = locust_env(limited_server, tmp_path, LOAD_PROGRESS_SECONDS="4", LOAD_TIME_SCALE="0.1")
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("master", "worker-1", "worker-2")}
    master_args = ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port)]
    master = start(
        [*master_args, "--expect-workers", "2", "--headless", "--only-summary", "--host", limited_server.url],
        env,
        logs["master"],
    )
    worker_args = ["--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    workers = [start(worker_args, env, logs[name]) for name in ("worker-1", "worker-2")]
    try:
        code = master.wait(timeout=180)
        worker_codes = [worker.wait(timeout=60) for worker in workers]
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.kill()
                process.wait()
    output = (tmp_path / "master.log").read_text()
    worker_output = [(tmp_path / f"worker-{n}.log").read_text() for n in (1, 2)]
    assert code == 0, [output, *worker_output]
    assert worker_codes == [0, 0], worker_output
    summary = json.loads((tmp_path / "load-summary.json").read_text())  # the master's, not a worker's share
    total = next(row for row in summary["rows"] if row["name"] == "TOTAL")
    # Both workers sent requests, and the master's totals are the sum of what each reported.
    assert len(summary["workers"]) == 2, summary["workers"]
    assert all(count > 0 for count in summary["workers"].values()), summary["workers"]
    assert total["requests"] == sum(summary["workers"].values())
    assert total["failures"] == 0 and summary["passed"], summary["problems"]
    # What every shopper does first (a checkout comes later, if the few seconds and a busy machine allow).
    assert {"POST /auth/register", "GET /products"} <= {row["name"] for row in summary["rows"]}
    # The master prints the progress lines, with the users and requests of both workers.
    assert "load judges: p95 < 60000 ms" in output
    progress = [line for line in output.splitlines() if " users " in line and " req/s " in line]
    assert len(progress) >= 2, output
    assert max(int(line.split(" users ")[1].split()[0]) for line in progress) >= 2, progress
    assert int(progress[-1].split(" requests ")[1].split()[0]) > 0, progress
