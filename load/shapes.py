"""The four profiles as LoadTestShapes. Every duration is multiplied by LOAD_TIME_SCALE
(1 = the full run; the CI smoke run uses 0.08). LOAD_USER_SCALE (default 1) multiplies
user counts: CI's smoke run uses 0.1 because there the server, its in-process moto and
Locust share 2 cores with the rest of CI (see docs/BENCHMARKS.md for what that sustains)."""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

from locust import LoadTestShape

SCALE = float(os.environ.get("LOAD_TIME_SCALE", "1"))
USER_SCALE = float(os.environ.get("LOAD_USER_SCALE", "1"))


def seconds(full: float) -> float:
    return max(1.0, full * SCALE)


def people(full: int) -> int:
    return max(1, round(full * USER_SCALE))


@dataclass
class Meter:
    """Every request's (time, latency ms, failed), to judge a window of the run."""

    samples: deque = field(default_factory=lambda: deque(maxlen=500_000))

    def record(self, response_time: float, failed: bool) -> None:
        self.samples.append((time.monotonic(), response_time, failed))

    def window(self, since: float, until: float | None = None) -> tuple[int, float, float]:
        """(requests, p95 ms, failure ratio) between two monotonic times."""
        until = until or time.monotonic()
        picked = [(rt, failed) for at, rt, failed in list(self.samples) if since <= at < until]
        if not picked:
            return 0, 0.0, 0.0
        times = sorted(rt for rt, _ in picked)
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        return len(picked), p95, sum(failed for _, failed in picked) / len(picked)


meter = Meter()


class Profile(LoadTestShape):
    abstract = True
    stages: ClassVar[list[tuple[float, int, float]]] = []  # (full-scale seconds, users, spawn rate)
    findings: ClassVar[dict[str, Any]] = {}

    def __init__(self):
        super().__init__()
        self.ends = []
        total = 0.0
        for duration, users, rate in self.stages:
            total += seconds(duration)
            self.ends.append((total, people(users), max(1.0, rate * USER_SCALE)))

    def stage(self) -> tuple[int, tuple[float, int, float]] | None:
        run_time = self.get_run_time()
        for index, stage in enumerate(self.ends):
            if run_time < stage[0]:
                return index, stage
        return None

    def tick(self):
        found = self.stage()
        return None if found is None else (found[1][1], found[1][2])


class Load(Profile):
    """Ramp 10 -> 50 -> 100 users, hold 100, cool down: the everyday peak."""

    stages: ClassVar = [(30, 10, 5), (60, 50, 5), (60, 100, 5), (120, 100, 5), (30, 10, 10)]


class Volume(Profile):
    """200 users against a large table (the server bulk-seeds it: SEED_VOLUME=1)."""

    stages: ClassVar = [(40, 200, 10), (180, 200, 10), (20, 10, 20)]


class Stress(Profile):
    """Add STRESS_STEP users every step until the step's p95 or failure ratio crosses the
    thresholds; the last step that held is the breaking point."""

    step_users = people(int(os.environ.get("STRESS_STEP", "25")))
    max_users = people(int(os.environ.get("STRESS_MAX_USERS", "400")))
    step_seconds = 40

    def __init__(self):
        super().__init__()
        self.step = 1
        self.step_started = 0.0
        self.findings.clear()
        self.findings.update(profile="stress", steps=[], breaking_users=None, held_users=0)

    def tick(self):
        from thresholds import limits

        now = time.monotonic()
        if not self.step_started:
            self.step_started = now
        users = self.step * self.step_users
        if now - self.step_started < seconds(self.step_seconds):
            return users, max(5, self.step_users)
        # Judge the second half of the step, once the ramp-up has settled.
        count, p95, failures = meter.window(self.step_started + seconds(self.step_seconds) / 2, now)
        self.findings["steps"].append({"users": users, "requests": count, "p95_ms": p95, "failure_ratio": failures})
        p95_limit, failure_limit = limits()
        if p95 > p95_limit or failures > failure_limit:
            self.findings["breaking_users"] = users
            return None
        self.findings["held_users"] = users
        if users >= self.max_users:
            return None
        self.step += 1
        self.step_started = now
        return users + self.step_users, max(5, self.step_users)


class Spike(Profile):
    """5 users, then 500 at once, then 5 again: how long until latency is back to normal?"""

    stages: ClassVar = [(30, 5, 5), (60, 500, 500), (90, 5, 500)]

    def __init__(self):
        super().__init__()
        # However short the run, leave 15 s after the drop to see the recovery.
        end, users, rate = self.ends[-1]
        self.ends[-1] = (max(end, self.ends[-2][0] + 15), users, rate)
        self.findings.clear()
        self.findings.update(profile="spike", baseline_p95_ms=None, peak_p95_ms=None, recovery_seconds=None)
        self.marks: dict[str, float] = {}

    def tick(self):
        found = self.stage()
        now = time.monotonic()
        if found is None:
            return None
        index, (_, users, rate) = found
        self.marks.setdefault(f"start{index}", now)
        if index == 1 and self.findings["baseline_p95_ms"] is None:
            self.findings["baseline_p95_ms"] = meter.window(self.marks["start0"], now)[1]
        if index == 2:
            if self.findings["peak_p95_ms"] is None:
                self.findings["peak_p95_ms"] = meter.window(self.marks["start1"], now)[1]
            self._check_recovery(now)
        return users, rate

    def _check_recovery(self, now: float) -> None:
        """Recovered: a 5-second window after the drop whose p95 is within twice the
        baseline's (at least 250 ms) and without failures."""
        if self.findings["recovery_seconds"] is not None:
            return
        dropped = self.marks["start2"]
        if now - dropped < 5:
            return
        count, p95, failures = meter.window(now - 5, now)
        target = max(250.0, 2 * (self.findings["baseline_p95_ms"] or 0))
        if count and p95 <= target and failures == 0:
            self.findings["recovery_seconds"] = round(now - 5 - dropped, 1)


PROFILES: dict[str, type[Profile]] = {"load": Load, "stress": Stress, "spike": Spike, "volume": Volume}


def select(name: str) -> type[Profile]:
    try:
        return PROFILES[name]
    except KeyError:
        raise SystemExit(f"PROFILE must be one of {', '.join(PROFILES)}; got {name!r}") from None
