"""Background jobs of the local server, run once (never once per worker).

Every module in this package is a job (CONTRIBUTING.md, "Local server: jobs and routes"):

    NAME = "expiry-sweep"                 # shown in the start banner
    def setup() -> None: ...              # optional; once the backends are up, before the
                                          # workers accept requests (and again after a reload)
    def interval_seconds() -> float: ...  # pause between ticks
    def tick() -> None: ...               # one idempotent round of work
    def drain(seconds: float) -> None: ... # optional; at the stop, finish what is in flight

`make run` runs them in one dedicated process (`python -m devtools.local_jobs`, at nice 10), the
in-process server (`python -m devtools.local_server`) in threads of its own process. A tick
that raises is logged by the exception's type (never its message, which may hold data) and
the job goes on at the next tick.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import signal
import sys
import threading
import time
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..profiling import Collector

READY_LINE = "local-jobs: ready"
DRAIN_SECONDS = 20
# The dedicated process's job threads run below the API workers' priority (nice 10): on AWS these
# are other Lambda instances, so here they take only the CPU the requests leave (docs/BENCHMARKS.md,
# "Where the time goes (issue 33)"). Their work is the same, only later under load; the drain at
# the stop runs on the main thread, at the normal priority, so a reload does not wait on it.
NICENESS = 10


def discover() -> list[ModuleType]:
    """Every job module of this package, in name order."""
    jobs = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for attribute in ("NAME", "interval_seconds", "tick"):
            if not hasattr(module, attribute):
                raise TypeError(f"{module.__name__} is not a local job: it has no {attribute}")
        jobs.append(module)
    return jobs


def _log(level: str, message: str, **fields: object) -> None:
    print(json.dumps({"level": level, "logger": "local-jobs", "message": message, **fields}), flush=True)


def setup_all(jobs: list[ModuleType]) -> None:
    """Each job's setup(), in order. A failing setup stops the start: a job without its
    bucket or queue would only fail at every tick."""
    for job in jobs:
        setup = getattr(job, "setup", None)
        if setup is not None:
            setup()


def run_job(job: ModuleType, stop: threading.Event, profile: Collector | None = None, niceness: int = 0) -> None:
    """Tick, pause, tick... until `stop` is set (each tick profiled when `profile` is given; this
    thread alone lowered by `niceness`, so the process's own thread still drains at the stop
    at full priority)."""
    if niceness:
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + niceness)
    while not stop.is_set():
        try:
            job.tick() if profile is None else profile.call(job.tick)
        except Exception as error:  # a job goes on at the next tick
            _log("ERROR", "job tick failed", job=job.NAME, error=type(error).__name__)
        try:
            pause = float(job.interval_seconds())
        except Exception as error:
            _log("ERROR", "job interval failed", job=job.NAME, error=type(error).__name__)
            pause = 5.0
        stop.wait(max(pause, 0.05))


def start_threads(
    jobs: list[ModuleType], stop: threading.Event, profile: Collector | None = None, niceness: int = 0
) -> list[threading.Thread]:
    threads = []
    for job in jobs:
        thread = threading.Thread(
            target=run_job, args=(job, stop, profile, niceness), name=f"job-{job.NAME}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


def main() -> int:
    """The dedicated jobs process of `make run`: setup, then READY_LINE, then the ticks until
    SIGTERM or SIGINT."""
    from .. import profiling, provider_faults

    profile = profiling.collector("local-jobs")  # LOCAL_PROFILE_DIR only: each tick profiled
    provider_faults.install()  # make soak only: the sweep's refunds meet the provider's faults too
    jobs = discover()
    setup_all(jobs)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    print(READY_LINE + " " + json.dumps([job.NAME for job in jobs]), flush=True)
    threads = start_threads(jobs, stop, profile, NICENESS)  # after the set-up, which make run waits for
    while not stop.is_set():
        stop.wait(1)
    deadline = time.monotonic() + 5
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for job in jobs:
        drain = getattr(job, "drain", None)
        if drain is not None:
            try:
                drain(DRAIN_SECONDS)
            except Exception as error:
                _log("ERROR", "job drain failed", job=job.NAME, error=type(error).__name__)
    if profile is not None:
        profile.dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())
