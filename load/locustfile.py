"""Locust entry point: `PROFILE=load|stress|spike|volume locust -f load/locustfile.py ...`.

Usually started by load/run.py (`make load PROFILE=... [HOST=...]`), which also starts
and stops the local server. Only the selected profile's shape is visible to Locust.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time

import shapes
import thresholds
from locust import events
from locust.runners import WorkerRunner
from users import Admin, Browser, Buyer, Shopper

PROFILE = os.environ.get("PROFILE", "load")
SelectedProfile = shapes.select(PROFILE)
REPORTS = pathlib.Path(os.environ.get("LOAD_REPORTS", pathlib.Path(__file__).parent / "reports"))
PROGRESS_SECONDS = float(os.environ.get("LOAD_PROGRESS_SECONDS", "10"))
_progress: list = []  # the greenlet printing progress lines, while a test runs

__all__ = ["Admin", "Browser", "Buyer", "SelectedProfile", "Shopper"]


@events.request.add_listener
def _measure(response_time, exception, **kwargs):
    shapes.meter.record(response_time or 0, exception is not None)


_worker_requests: dict[str, int] = {}  # distributed mode, on the master: requests each worker reported


@events.worker_report.add_listener
def _measure_workers(client_id, data, **kwargs):
    """On the master: the requests a worker reports (every 3 s, counted since its last report) feed
    the meter the stress and spike shapes judge their windows by, and the per-worker count."""
    total = data.get("stats_total") or {}
    times = sorted(rt for rt, count in (total.get("response_times") or {}).items() for _ in range(count))
    failed = total.get("num_failures", 0)
    for index, response_time in enumerate(times):
        shapes.meter.record(response_time, index < failed)
    _worker_requests[client_id] = _worker_requests.get(client_id, 0) + total.get("num_requests", 0)


@events.test_start.add_listener
def _start_progress(environment, **kwargs):
    """A progress line every LOAD_PROGRESS_SECONDS (10 s) on stdout, from the master or the
    only process (workers stay quiet: their figures reach the master)."""
    if isinstance(environment.runner, WorkerRunner) or PROGRESS_SECONDS <= 0:
        return
    import gevent

    started = time.monotonic()
    print(f"{PROFILE} judges: " + "; ".join(thresholds.judged(PROFILE)), flush=True)

    def report():
        while True:
            gevent.sleep(PROGRESS_SECONDS)
            line = thresholds.progress(environment.stats, environment.runner.user_count, time.monotonic() - started)
            print(line, file=sys.stdout, flush=True)

    _progress.append(gevent.spawn(report))


@events.test_stop.add_listener
def _stop_progress(environment, **kwargs):
    while _progress:  # the web UI starts and stops tests in one process
        _progress.pop().kill(block=False)


@events.quitting.add_listener
def _verdict(environment, **kwargs):
    """Judge the run, write load/reports/<profile>-summary.json, set the exit code (on the master
    in distributed mode: a worker's own figures are only its share)."""
    if isinstance(environment.runner, WorkerRunner):
        return
    # Spike and stress are meant to overload the server: their latency is judged by
    # their own findings (recovery, breaking point), the failure ratio still counts.
    smoke = thresholds.failures_only()
    rows = thresholds.judge(environment.stats, check_latency=PROFILE in ("load", "volume") and not smoke)
    findings = dict(SelectedProfile.findings)
    problems = [f"{row['name']}: {', '.join(row['broken'])}" for row in rows if row["broken"]]
    if PROFILE == "spike" and findings.get("recovery_seconds") is None and not smoke:
        problems.append("spike: latency did not recover after the drop")
    if PROFILE == "stress" and not smoke:
        minimum = shapes.people(int(os.environ.get("STRESS_MIN_USERS", "25")))
        if findings.get("held_users", 0) < minimum:
            problems.append(f"stress: held {findings.get('held_users', 0)} users, fewer than {minimum}")
    if not rows:
        problems.append("no requests were made")
    p95_limit, failure_limit = thresholds.limits()
    summary = {
        "profile": PROFILE,
        "host": environment.host,
        "scale": shapes.SCALE,
        "thresholds": {"p95_ms": p95_limit, "failure_ratio": failure_limit},
        "judges": thresholds.judged(PROFILE),
        "workers": dict(_worker_requests),
        "rows": rows,
        "findings": findings,
        "problems": problems,
        "passed": not problems,
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{PROFILE}-summary.json").write_text(json.dumps(summary, indent=2))
    environment.process_exit_code = 0 if not problems else 1
