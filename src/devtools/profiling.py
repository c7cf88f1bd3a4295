"""cProfile of `make run`'s own processes, off unless LOCAL_PROFILE_DIR is set.

    LOCAL_PROFILE_DIR=/tmp/prof make run    # then load, then Ctrl-C
    python -m pstats /tmp/prof/api-worker-1234.pstats

Each API worker (devtools.gunicorn_glue) profiles every request it serves, from the parsed
HTTP request to the last byte written, and the background jobs process (devtools.local_jobs)
every tick of every job; each writes `<kind>-<pid>.pstats` into the folder when it stops (a
reload's old workers too). On CPython 3.11, one cProfile.Profile per thread, enabled only around
a request or a tick, so the idle waiting is not counted and threads do not mix their call stacks.
From 3.12 a profiler sees every thread of the interpreter (sys.monitoring) and only one may be
enabled at a time: one profile, enabled while at least one request or tick is in flight.
benchmarks/profile_make_run.py drives an endpoint and prints the merged top entries.

Unset (the default) nothing is imported and nothing is written: `collector()` is None.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

VARIABLE = "LOCAL_PROFILE_DIR"
T = TypeVar("T")


class Collector:
    """Per-thread profiles of the calls given to `call`, written as one pstats file by `dump`."""

    def __init__(self, folder: Path, kind: str):
        self.folder = folder
        self.kind = kind
        self._local = threading.local()
        self._profiles: list[Any] = []
        self._lock = threading.Lock()
        self.calls = 0
        self.skipped = 0  # a call made while the thread's profiler was busy (nested), or another profiler's
        # 3.12+: one profile for every thread, enabled while `_in_flight` calls run
        self._shared = sys.version_info >= (3, 12)
        self._in_flight = 0

    def _profile(self) -> Any:
        profile = getattr(self._local, "profile", None)
        if profile is None:
            import cProfile

            profile = self._local.profile = cProfile.Profile()
            with self._lock:
                self._profiles.append(profile)
        return profile

    def call(self, function: Callable[..., T], *args: Any) -> T:
        if self._shared:
            return self._call_shared(function, *args)
        profile = self._profile()
        try:
            profile.enable()
        except ValueError:  # another profiler is active (3.12+ allows one per interpreter)
            self.skipped += 1
            return function(*args)
        try:
            return function(*args)
        finally:
            profile.disable()
            self.calls += 1

    def _call_shared(self, function: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if not self._profiles:
                import cProfile

                self._profiles.append(cProfile.Profile())
            enabled = True
            if self._in_flight == 0:
                try:
                    self._profiles[0].enable()
                except ValueError:  # a profiler that is not ours is active
                    self.skipped += 1
                    enabled = False
            if enabled:
                self._in_flight += 1
        if not enabled:
            return function(*args)
        try:
            return function(*args)
        finally:
            with self._lock:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._profiles[0].disable()
                self.calls += 1

    def dump(self) -> Path | None:
        """Write `<kind>-<pid>.pstats` (None when nothing was profiled)."""
        import pstats

        with self._lock:
            profiles = list(self._profiles)
        if not profiles or self.calls == 0:
            return None
        parts = []
        for profile in profiles:
            try:
                parts.append(pstats.Stats(profile))
            except TypeError:  # a thread whose every call was skipped: nothing to add
                continue
        if not parts:
            return None
        stats = parts[0]
        for part in parts[1:]:
            stats.add(part)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{self.kind}-{os.getpid()}.pstats"
        stats.dump_stats(target)
        return target


def collector(kind: str) -> Collector | None:
    """A Collector writing into LOCAL_PROFILE_DIR, or None when the variable is unset or empty."""
    folder = os.environ.get(VARIABLE, "").strip()
    return Collector(Path(folder), kind) if folder else None
