"""make run's profiling hook (devtools.profiling, LOCAL_PROFILE_DIR): off by default, and when
asked, one pstats file per process holding the requests it served (or the jobs' ticks)."""

from __future__ import annotations

import os
import pathlib
import pstats
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types
import urllib.request

from devtools import local_jobs, profiling
from devtools.server_process import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _functions(path: pathlib.Path) -> dict[str, int]:
    """function name -> times called, from a pstats file."""
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    return {name: calls for (_, _, name), (_, calls, *_) in stats.items()}


def _profiled_work(n: int) -> int:
    return sum(range(n))


def test_without_the_variable_nothing_is_profiled(monkeypatch):
    monkeypatch.delenv(profiling.VARIABLE, raising=False)
    assert profiling.collector("api-worker") is None
    monkeypatch.setenv(profiling.VARIABLE, "  ")
    assert profiling.collector("api-worker") is None


def test_calls_from_several_threads_land_in_one_pstats_file_named_by_kind_and_pid(monkeypatch, tmp_path):
    monkeypatch.setenv(profiling.VARIABLE, str(tmp_path / "prof"))
    collector = profiling.collector("api-worker")
    assert collector is not None
    results = []
    threads = [threading.Thread(target=lambda: results.append(collector.call(_profiled_work, 1000))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [499500] * 3  # the call's own result comes back
    written = collector.dump()
    assert written == tmp_path / "prof" / f"api-worker-{os.getpid()}.pstats"
    assert _functions(written)["_profiled_work"] == 3


def test_calls_in_flight_at_once_on_two_threads_are_both_profiled(tmp_path):
    """Two requests served at the same time (CPython 3.12 allows one enabled profiler per
    interpreter: the second thread's own profiler could not start, and the worker's dump then
    failed on the empty profile)."""
    collector = profiling.Collector(tmp_path / "prof", "api-worker")
    both_in_flight = threading.Barrier(2, timeout=10)

    def request() -> int:
        both_in_flight.wait()
        return _profiled_work(100)

    threads = [threading.Thread(target=collector.call, args=(request,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert collector.skipped == 0
    assert _functions(collector.dump())["_profiled_work"] == 2


def test_a_collector_that_profiled_nothing_writes_nothing(tmp_path):
    collector = profiling.Collector(tmp_path / "prof", "local-jobs")
    assert collector.dump() is None
    assert not (tmp_path / "prof").exists()


def test_a_job_thread_profiles_its_ticks(tmp_path):
    stop = threading.Event()
    ticks = []

    def tick() -> None:
        ticks.append(_profiled_work(10))
        if len(ticks) == 2:
            stop.set()

    job = types.SimpleNamespace(NAME="counter", tick=tick, interval_seconds=lambda: 0.0)
    collector = profiling.Collector(tmp_path, "local-jobs")
    local_jobs.run_job(job, stop, collector)  # type: ignore[arg-type]
    written = collector.dump()
    assert written is not None
    assert _functions(written)["tick"] == 2


APP = """
def app(environ, start_response):
    body = str(sum(range(1000))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def _serve_three_requests(tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    """make run's worker class on a one-function WSGI app: three requests, then the stop."""
    (tmp_path / "tiny_app.py").write_text(textwrap.dedent(APP))
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    command += ["--worker-class", "devtools.gunicorn_glue.EnvelopeWorker", "--pythonpath", str(tmp_path)]
    command += ["--log-level", "warning", "tiny_app:app"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **env}
    server = subprocess.Popen(command, cwd=tmp_path, env=env)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        answered = 0
        while answered < 3:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    assert reply.read() == b"499500"
                    answered += 1
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGINT)  # what make run's stop sends
        assert server.wait(timeout=30) == 0


def test_make_runs_worker_writes_its_profile_only_when_asked(tmp_path):
    folder = tmp_path / "prof"
    _serve_three_requests(tmp_path, {profiling.VARIABLE: str(folder)})
    written = list(folder.glob("api-worker-*.pstats"))
    assert len(written) == 1  # one worker, one file
    assert _functions(written[0])["app"] == 3  # every request served, inside the profile

    quiet = tmp_path / "quiet"
    quiet.mkdir()
    _serve_three_requests(quiet, {profiling.VARIABLE: ""})
    assert sorted(tmp_path.rglob("*.pstats")) == written  # the unprofiled run added none
