"""The storefront's build beside `make run` (devtools.runner): after the API answers, so a first
run does not wait for npm and Vite. Until web/dist/index.html exists the site's port answers 503
"being built" (devtools.local_wsgi); one line says when the site is ready, or that it failed.

    WEB_BUILD=...   the build command (default `make web`, which rebuilds only what changed;
                    empty: none). With WEB_DIST given and no WEB_BUILD, nothing is built: that
                    folder is served as it is.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess  # nosec B404  # our own build command, no shell
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .serverless_config import ROOT


def command() -> list[str]:
    if "WEB_BUILD" in os.environ:
        return shlex.split(os.environ["WEB_BUILD"])
    if os.environ.get("WEB_DIST"):
        return []
    return [os.environ.get("MAKE") or "make", "--no-print-directory", "web"]


class Build:
    """One background build; its output in `log_path`."""

    def __init__(self, argv: list[str], log_path: Path, dist: Path):
        self.argv, self.log_path, self.dist = argv, log_path, dist
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def start(self, site: str, shown: Callable[[Path], str]) -> None:
        threading.Thread(target=self._run, args=(site, shown), daemon=True).start()

    def _run(self, site: str, shown: Callable[[Path], str]) -> None:
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603  # nosec B603
                self.argv,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # npm and Vite under make: stopped together (stop())
            )
            status = self.process.wait()
        if self.stopping.is_set():
            return
        if status == 0 and (self.dist / "index.html").is_file():
            print(f"Storefront ready on {site} (built in {time.monotonic() - started:.0f} s).", flush=True)
        else:
            print(f"The storefront's build failed (status {status}; {shown(self.log_path)}). The API is unaffected.")

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
