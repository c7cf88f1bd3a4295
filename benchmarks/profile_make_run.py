"""Where `make run`'s time goes under one endpoint (issue 33): the CPU each process of its tree
burns (from /proc/<pid>/stat), beside serverless-offline's on the same DynamoDB Local, and the
cProfile of the API workers and of the background jobs (devtools.profiling).

    .venv/bin/python benchmarks/profile_make_run.py
    PROFILE_ENDPOINTS="POST /orders"  PROFILE_CLIENTS=1,4  PROFILE_SECONDS=10  PROFILE_TOP=12
    PROFILE_OFFLINE=0   skip serverless-offline (needs benchmarks/offline/node_modules otherwise)
    PROFILE_ROUNDS=2    measure make run's cell twice in a row (the second on a warm DynamoDB Local JVM)
    PROFILE_CPROFILE=0  CPU accounting only, no cProfile (its overhead is off the workers' figures)
    PROFILE_KEEP=DIR    keep the pstats files (DIR/orders-1/api-worker-<pid>.pstats, ...) for pstats' browser

For each endpoint and client count: a fresh `make run` (devtools.runner, as
benchmarks/server_compare.py starts it, data kept between the cells) with LOCAL_PROFILE_DIR
set; a warm-up, then the closed loop of server_compare for PROFILE_SECONDS while every
process's CPU time is read at the start and the end of the window; then the stop, after which
the workers' and the jobs' pstats files are merged and their top entries printed. The same
cell on serverless-offline (pointed at that make run's DynamoDB Local, its API idle) follows.

CPU shares are of the whole machine (window x cores); "rest of the machine" is what other
programs burnt meanwhile (the figures are only as quiet as the machine was).
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import pstats
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "benchmarks")]

import server_compare as sc  # noqa: E402

ENDPOINTS = [e.strip() for e in os.environ.get("PROFILE_ENDPOINTS", "POST /orders,POST /auth/login").split(",")]
CLIENTS = [int(n) for n in os.environ.get("PROFILE_CLIENTS", "1,4").split(",")]
SECONDS = float(os.environ.get("PROFILE_SECONDS", "10"))
TOP = int(os.environ.get("PROFILE_TOP", "12"))
WARMUP = float(os.environ.get("PROFILE_WARMUP", "3"))
OFFLINE = os.environ.get("PROFILE_OFFLINE", "1") != "0"
ROUNDS = int(os.environ.get("PROFILE_ROUNDS", "1"))
CPROFILE = os.environ.get("PROFILE_CPROFILE", "1") != "0"
KEEP = os.environ.get("PROFILE_KEEP", "")  # a folder: the pstats files are kept there, one folder per cell
TICK = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, dict]:
    """pid -> ppid, CPU seconds (user + system, children not included), command line."""
    found = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = {
            "ppid": int(fields[1]),
            "cpu": (int(fields[11]) + int(fields[12])) / TICK,
            "command": command,
        }
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    values = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICK


def descendants(table: dict[int, dict], root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, row in table.items() if row["ppid"] == parent]
        found.update(children)
        frontier += children
    return found


def label(pid: int, row: dict, table: dict[int, dict], runner: int | None, offline: int | None) -> str:
    command = row["command"]
    parent = table.get(row["ppid"], {}).get("command", "")
    if pid == os.getpid():
        return "benchmark clients (this script)"
    if pid == runner:
        return "supervisor (runner: reload watcher; moto server for S3, SNS, SQS, SES)"
    if "devtools.local_jobs" in command:
        return "background jobs (devtools.local_jobs)"
    if "netns_bridge" in command:
        return "DynamoDB Local bridge (devtools.netns_bridge)"
    if "DynamoDBLocal" in command or command.startswith("java") or "/java " in command:
        return "DynamoDB Local (JVM)"
    if "gunicorn" in command and "gunicorn" in parent:
        return "API worker (gunicorn)"
    if "gunicorn" in command:
        return "gunicorn master"
    if offline is not None and pid == offline:
        return "serverless-offline (npx)"
    if command.startswith("node") or "serverless" in command:
        return "serverless-offline (node and its Python invocation processes)"
    if "python" in command:
        return "serverless-offline's Python invocations"
    return command[:60]


def cpu_window(run_seconds, runner: int, offline: int | None) -> list[tuple[str, float, int]]:
    """Run `run_seconds()` and return (label, CPU seconds, processes) per label over it."""
    before, busy_before, started = processes(), machine_busy(), time.monotonic()
    result = run_seconds()
    after, busy_after, wall = processes(), machine_busy(), time.monotonic() - started
    mine = descendants(after, runner) | ({os.getpid()})
    if offline is not None:
        mine |= descendants(after, offline)
    rows: dict[str, list[float]] = {}
    for pid in mine:
        if pid not in after:
            continue
        spent = after[pid]["cpu"] - before.get(pid, {"cpu": 0.0})["cpu"]
        name = label(pid, after[pid], after, runner, offline)
        rows.setdefault(name, [0.0, 0])
        rows[name][0] += spent
        rows[name][1] += 1
    ours = sum(spent for spent, _ in rows.values())
    rows["rest of the machine"] = [busy_after - busy_before - ours, 0]
    rows["(window x cores)"] = [wall * (os.cpu_count() or 1), 0]
    return result, [(name, spent, int(count)) for name, (spent, count) in rows.items()]


def short(path: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def top_entries(files: list[pathlib.Path], key: str) -> list[str]:
    stats = pstats.Stats(*[str(f) for f in files])
    total = stats.total_tt  # type: ignore[attr-defined]
    ordered = sorted(stats.stats.items(), key=lambda item: item[1][3 if key == "cumulative" else 2], reverse=True)  # type: ignore[attr-defined]
    lines = [f"    {'own s':>7} {'cum s':>7} {'calls':>8}  function   (total profiled {total:.2f} s)"]
    for (file, line, name), (_, calls, own, cumulative, _) in ordered[:TOP]:
        where = f"{short(file)}:{line}" if line else file
        lines.append(f"    {own:7.2f} {cumulative:7.2f} {calls:8d}  {name}  {where}")
    return lines


def report(title: str, measured: dict, rows: list[tuple[str, float, int]]) -> None:
    window = next(spent for name, spent, _ in rows if name == "(window x cores)")
    print(f"\n== {title}: {measured['rps']:.1f} req/s, p50 {measured['p50']:.1f} ms, {measured['statuses']}")
    for name, spent, count in sorted(rows, key=lambda row: -row[1]):
        if name == "(window x cores)":
            continue
        counted = f" ({count} processes)" if count > 1 else ""
        per_request = spent / max(1, sum(measured["statuses"].values())) * 1000
        print(f"  {spent:6.2f} CPU s {spent / window:6.1%}  {per_request:6.1f} ms/req  {name}{counted}")
    print(f"  {window:6.2f} CPU s available (window x cores)", flush=True)


def warm_up(url: str, send, clients: int) -> None:
    """server_compare's warm-up alone, so that the CPU window holds only counted requests."""
    sc.WARMUP = 0.0
    sc.measure(url, send, clients, WARMUP)


def main() -> int:
    from devtools.server_process import free_port

    results = []
    with tempfile.TemporaryDirectory() as work:
        folder = pathlib.Path(work)
        data = folder / "data"
        seeded = None
        for endpoint in ENDPOINTS:
            for clients in CLIENTS:
                slug = endpoint.split()[-1].strip("/").replace("/", "-") + f"-{clients}"
                profile_dir = (pathlib.Path(KEEP) if KEEP else folder) / slug
                if CPROFILE:
                    os.environ["LOCAL_PROFILE_DIR"] = str(profile_dir)
                port = free_port()
                runner = sc.start_make_run(port, folder / "make-run.log", data)
                os.environ.pop("LOCAL_PROFILE_DIR", None)
                try:
                    sc.LOCAL_ENDPOINT = json.loads((data / "run.json").read_text())["dynamodb"]
                    if seeded is None:
                        seeded = sc.seed(max(CLIENTS))
                    send = sc.requests_for(seeded)[endpoint]
                    url = f"http://127.0.0.1:{port}"
                    warm_up(url, send, clients)
                    for round_ in range(1, ROUNDS + 1):
                        measured, rows = cpu_window(
                            functools.partial(sc.measure, url, send, clients, SECONDS), runner.pid, None
                        )
                        title = f"make run, {endpoint}, {clients} clients" + (f", round {round_}" if ROUNDS > 1 else "")
                        report(title, measured, rows)
                        results.append({"server": "make run", "endpoint": endpoint, "clients": clients, **measured})
                    if OFFLINE:
                        offline_port = free_port()
                        offline = sc.start_offline(offline_port, folder / "offline.log")
                        try:
                            offline_url = f"http://127.0.0.1:{offline_port}"
                            warm_up(offline_url, send, clients)
                            measured, rows = cpu_window(
                                functools.partial(sc.measure, offline_url, send, clients, SECONDS),
                                runner.pid,
                                offline.pid,
                            )
                            report(f"serverless-offline, {endpoint}, {clients} clients", measured, rows)
                            results.append({"server": "offline", "endpoint": endpoint, "clients": clients, **measured})
                        finally:
                            sc.stop(offline, group=True)
                            sc.OFFLINE_CONFIG.unlink(missing_ok=True)
                finally:
                    sc.stop(runner)
                for kind in ("api-worker", "local-jobs"):
                    files = sorted(profile_dir.glob(f"{kind}-*.pstats"))
                    if not files:
                        print(f"  (no {kind} profile written)")
                        continue
                    print(f"\n  cProfile, {kind} ({len(files)} processes), {endpoint}, {clients} clients, by own time:")
                    print("\n".join(top_entries(files, "own")))
                    print("  by cumulative time:")
                    print("\n".join(top_entries(files, "cumulative")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
