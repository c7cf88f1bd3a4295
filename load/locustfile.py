"""Locust entry point: `PROFILE=load|stress|spike|volume locust -f load/locustfile.py ...`.

Usually started by load/run.py (`make load PROFILE=... [HOST=...]`), which also starts
and stops the local server. Only the selected profile's shape is visible to Locust.
"""

from __future__ import annotations

import json
import os
import pathlib

import shapes
import thresholds
from locust import events
from users import Admin, Browser, Buyer, Shopper

PROFILE = os.environ.get("PROFILE", "load")
SelectedProfile = shapes.select(PROFILE)
REPORTS = pathlib.Path(os.environ.get("LOAD_REPORTS", pathlib.Path(__file__).parent / "reports"))

__all__ = ["Admin", "Browser", "Buyer", "SelectedProfile", "Shopper"]


@events.request.add_listener
def _measure(response_time, exception, **kwargs):
    shapes.meter.record(response_time or 0, exception is not None)


@events.quitting.add_listener
def _verdict(environment, **kwargs):
    """Judge the run, write load/reports/<profile>-summary.json, set the exit code."""
    # Spike and stress are meant to overload the server: their latency is judged by
    # their own findings (recovery, breaking point), the failure ratio still counts.
    rows = thresholds.judge(environment.stats, check_latency=PROFILE in ("load", "volume"))
    findings = dict(SelectedProfile.findings)
    problems = [f"{row['name']}: {', '.join(row['broken'])}" for row in rows if row["broken"]]
    if PROFILE == "spike" and findings.get("recovery_seconds") is None:
        problems.append("spike: latency did not recover after the drop")
    if PROFILE == "stress":
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
        "rows": rows,
        "findings": findings,
        "problems": problems,
        "passed": not problems,
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{PROFILE}-summary.json").write_text(json.dumps(summary, indent=2))
    environment.process_exit_code = 0 if not problems else 1
