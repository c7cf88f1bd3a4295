"""Pass/fail at the end of a run: p95 latency and failure ratio, per request type and overall.

Defaults are the classic bar, p95 < 2000 ms and failures < 2%. load/run.py sets tighter
ones for the local server (see load/README.md for why); THRESHOLD_P95_MS and
THRESHOLD_FAILURE_RATIO override either."""

from __future__ import annotations

import os
from typing import Any

DEFAULT_P95_MS = 2000.0
DEFAULT_FAILURE_RATIO = 0.02


def limits() -> tuple[float, float]:
    return (
        float(os.environ.get("THRESHOLD_P95_MS", DEFAULT_P95_MS)),
        float(os.environ.get("THRESHOLD_FAILURE_RATIO", DEFAULT_FAILURE_RATIO)),
    )


def failures_only() -> bool:
    """LOAD_JUDGE=failures: a smoke run (make load-smoke, part of make test on a shared CI
    runner) judges failures only; latency, spike recovery and the users stress held are
    printed but not judged, because on a busy machine they measure the machine. The full
    profiles (make load) judge everything."""
    return os.environ.get("LOAD_JUDGE", "all") == "failures"


def judged(profile: str) -> list[str]:
    """What the verdict of `profile` judges, in words, with today's limits."""
    p95_limit, failure_limit = limits()
    failures = f"failures < {failure_limit:.0%} per request type and in total"
    if failures_only():
        return [failures, "latency, recovery and users held: printed, not judged (LOAD_JUDGE=failures, a smoke run)"]
    if profile in ("load", "volume"):
        return [f"p95 < {p95_limit:.0f} ms per request type and in total", failures]
    if profile == "stress":
        minimum = os.environ.get("STRESS_MIN_USERS", "25")
        return [
            failures,
            f"breaking point: the first step whose second half has p95 >= {p95_limit:.0f} ms or failures "
            f">= {failure_limit:.0%} (p95 per request type not judged: the profile overloads on purpose)",
            f"held at least STRESS_MIN_USERS={minimum} users (scaled by LOAD_USER_SCALE) before breaking",
        ]
    if profile == "spike":
        return [
            failures,
            "recovery: a 5 s window after the drop with p95 within 2x the baseline (>= 250 ms) and no failures "
            "(p95 per request type not judged: the spike overloads on purpose)",
        ]
    return [failures]


def progress(stats: Any, users: int, elapsed: float) -> str:
    """One line while a run goes: users, current req/s, p95 of the last seconds, failures so far."""
    total = stats.total
    p95 = total.get_current_response_time_percentile(0.95) or 0
    ratio = total.num_failures / max(1, total.num_requests)
    return (
        f"[{elapsed:5.0f} s] users {users:>4}  req/s {total.current_rps:7.1f}  p95 {p95:6.0f} ms  "
        f"requests {total.num_requests:>7}  failures {total.num_failures} ({ratio:.2%})"
    )


def judge(stats: Any, check_latency: bool = True) -> list[dict[str, Any]]:
    """One row per request type plus the total: its figures and what it broke."""
    p95_limit, failure_limit = limits()
    rows = []
    entries = sorted(stats.entries.values(), key=lambda e: (e.name, e.method))
    for entry in [*entries, stats.total]:
        if not entry.num_requests and not entry.num_failures:
            continue
        p95 = entry.get_response_time_percentile(0.95) or 0
        ratio = entry.num_failures / max(1, entry.num_requests)  # num_requests counts the failures too
        broken = []
        if check_latency and p95 > p95_limit:
            broken.append(f"p95 {p95:.0f} ms > {p95_limit:.0f} ms")
        if ratio > failure_limit:
            broken.append(f"failures {ratio:.2%} > {failure_limit:.0%}")
        rows.append(
            {
                "name": "TOTAL" if entry is stats.total else f"{entry.name}",
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "rps": round(entry.total_rps, 2),
                "p50_ms": entry.get_response_time_percentile(0.5) or 0,
                "p95_ms": p95,
                "p99_ms": entry.get_response_time_percentile(0.99) or 0,
                "broken": broken,
            }
        )
    return rows
