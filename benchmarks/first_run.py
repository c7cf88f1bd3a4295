"""`make bench-first-run`: a newcomer's first `make run`, timed from a fresh clone.

Clones this repository (its committed HEAD) into a temporary folder, runs `make run` there as
the README says (free ports for PORT and WEB_PORT, nothing else set), and times:

- to `GET /health` answering 200 (the API is usable),
- to the banner's last line (the demo admin is printed),
- to "Storefront ready" (the site, built in the background after the API answers).

Then Ctrl-C, and the clone is removed. With --cold-caches, pip and npm get empty cache folders of
their own (PIP_CACHE_DIR, npm_config_cache), so every package comes from the registries.

    .venv/bin/python benchmarks/first_run.py [--cold-caches] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devtools.server_process import free_port  # noqa: E402


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310  # our own loopback URL
            return reply.status == 200
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-caches", action="store_true", help="empty pip and npm caches of its own")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="first-run-"))
    clone = work / "shop"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)  # noqa: S603, S607
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL")}
    port, web_port = free_port(), free_port()
    env |= {"PORT": str(port), "WEB_PORT": str(web_port)}
    if args.cold_caches:
        env |= {"PIP_CACHE_DIR": str(work / "pip-cache"), "npm_config_cache": str(work / "npm-cache")}
    log_path = work / "make-run.log"
    started = time.monotonic()
    marks: dict[str, float] = {}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "run"],  # noqa: S607  # what the README tells a newcomer to type
            cwd=clone,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while time.monotonic() - started < 1200 and process.poll() is None:
                text = log_path.read_text(errors="replace")
                if "health" not in marks and _answers(f"http://127.0.0.1:{port}/health"):
                    marks["health"] = time.monotonic() - started
                if "banner" not in marks and "Sign in with it on the storefront" in text:
                    marks["banner"] = time.monotonic() - started
                if "storefront" not in marks and ("Storefront ready on" in text or "build failed" in text):
                    marks["storefront"] = time.monotonic() - started
                if len(marks) == 3:
                    break
                time.sleep(0.2)
        finally:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to make and its children
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    caches = "cold (empty pip and npm caches)" if args.cold_caches else "warm (this machine's pip and npm caches)"
    print(f"First `make run` from a fresh clone of {commit}, caches {caches}, load average {os.getloadavg()[0]:.1f}:")
    for key, label in (
        ("health", "GET /health answers 200"),
        ("banner", "the banner, demo admin last"),
        ("storefront", "the storefront built (background)"),
    ):
        print(f"  {label}: " + (f"{marks[key]:.0f} s" if key in marks else "not reached"))
    if "build failed" in log_path.read_text(errors="replace"):
        print("  the storefront's build failed: see the log")
    if args.keep:
        print(f"  kept: {clone} (log: {log_path})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if "health" in marks else 1


if __name__ == "__main__":
    sys.exit(main())
