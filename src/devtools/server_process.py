"""The local server as a child process: for the black-box tests, the contract suites and the
load runs, which each start their own on a free loopback port."""

from __future__ import annotations

import pathlib
import socket
import subprocess  # nosec B404  # starts our own local server, a fixed command
import sys
import time
import urllib.request

from .serverless_config import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(
    env: dict[str, str], log_path: pathlib.Path, timeout: float = 60, module: str = "devtools.local_server"
) -> subprocess.Popen:
    """Start `python -m devtools.local_server` (the one-process mode; or `module`, such as
    devtools.runner, what `make run` starts) with `env` (which names PORT), its output in
    `log_path`, and return once GET /health answers 200. RuntimeError if it exits or never does."""
    process = subprocess.Popen(  # noqa: S603  # nosec B603  # fixed argv, no shell
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{env['PORT']}/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local server exited:\n{log_path.read_text()}")
        try:
            # an http://127.0.0.1 URL built above, never a caller's scheme
            with urllib.request.urlopen(url, timeout=2) as reply:  # nosec B310
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"local server did not become healthy in {timeout:.0f} s:\n{log_path.read_text()}")
