"""`make run`: the local server, as a supervisor of its parts.

In this order: the local AWS endpoint (a moto server, devtools.aws_endpoint); DynamoDB
Local, private, its data under LOCAL_DATA_DIR (devtools.dynamodb_local), or moto when it
cannot run (one line says why); the table from serverless.yml, the demo data; the background
jobs, once, in one process (devtools.local_jobs); the API on PORT in gunicorn workers
(devtools.local_wsgi), and the storefront on WEB_PORT. The storefront is built (`make web`) in
the background once the API answers, so a first run serves the API without waiting for npm and
Vite; its port says "being built" until then. A change to a file under src/ (or to
serverless.yml) reloads the workers and the jobs; the data stays.

    FRESH=1         start with an empty table (and a new JWT secret)
    WORKERS=N       API worker processes (default: the number of cores)
    DYNAMODB=moto   skip DynamoDB Local
    LOG_TO_CONSOLE=1  the request and job log lines here too (default: LOCAL_DATA_DIR/server.log)
    WEB_BUILD=...   the storefront's build command (devtools.web_build)

`python -m devtools.runner --routes` (make routes) prints the route table and exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess  # nosec B404  # our own processes: fixed argv, no shell
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from . import (
    aws_endpoint,
    dynamodb_local,
    fault_proxy,
    local_env,
    local_server,
    run_banner,
    run_files,
    serverless_config,
    web_build,
)
from .run_files import data_dir, reset, running_state, server_log, snapshot, state_file
from .serverless_config import ROOT

WEB_DIST = Path(os.environ.get("WEB_DIST") or ROOT / "web" / "dist")


def _forward(stream: Any, to: Any) -> None:
    for line in iter(stream.readline, b""):
        to.write(line)
        to.flush()


class Supervisor:
    def __init__(self) -> None:
        self.folder = data_dir()
        self.aws: aws_endpoint.LocalAwsEndpoint | None = None
        self.dynamodb: dynamodb_local.DynamoDBLocal | None = None
        self.jobs: subprocess.Popen | None = None
        self.api: subprocess.Popen | None = None
        self.web_build: web_build.Build | None = None
        self.stopping = threading.Event()
        self.log_path = server_log(self.folder)
        self.log_sink: Any = sys.stdout.buffer

    def open_log(self) -> None:
        if self.log_path is not None:
            self.log_sink = self.log_path.open("ab", buffering=0)  # kept open until the stop

    # --- the parts --------------------------------------------------------------------------
    def start_backends(self, notes: list[str]) -> str:
        self.aws = aws_endpoint.LocalAwsEndpoint()
        aws_url = self.aws.start()
        external = os.environ.get("DYNAMODB_ENDPOINT_URL")
        reason = "DYNAMODB=moto" if os.environ.get("DYNAMODB", "local") == "moto" else None
        if external:
            dynamodb_url, backend = external, f"{external} (DYNAMODB_ENDPOINT_URL)"
        elif reason is None and (reason := dynamodb_local.problem()) is None:
            self.dynamodb = dynamodb_local.DynamoDBLocal(self.folder / "dynamodb", self.folder / "dynamodb-local.log")
            dynamodb_url = self.dynamodb.start()
            backend = f"DynamoDB Local (private network namespace, data in {self._shown(self.folder / 'dynamodb')})"
        if not external and reason is not None:
            print(f"DynamoDB Local is not used ({reason}): falling back to moto; its data is lost at the stop.")
            dynamodb_url = aws_url
            backend = "moto (fallback; data not kept)"
        os.environ.update(aws_endpoint.environment(aws_url, dynamodb_url))
        os.environ.update(fault_proxy.wrap_environment(aws_url, dynamodb_url, self.folder))  # make soak only
        self.backend = backend
        return dynamodb_url

    def _shown(self, path: Path) -> str:
        with contextlib.suppress(ValueError):
            return str(path.relative_to(ROOT))
        return str(path)

    def start_jobs(self) -> None:
        self.jobs = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "devtools.local_jobs"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output = self.jobs.stdout
        for line in iter(output.readline if output else lambda: b"", b""):
            text = line.decode(errors="replace").rstrip()
            if text.startswith("local-jobs: ready"):
                self.job_names = json.loads(text.split(" ", 2)[2])
                threading.Thread(target=_forward, args=(self.jobs.stdout, self.log_sink), daemon=True).start()
                return
            print(text, flush=True)
        raise RuntimeError("the background jobs stopped during their set-up (see above)")

    def stop_jobs(self) -> None:
        if self.jobs is not None and self.jobs.poll() is None:
            self.jobs.terminate()
            try:
                self.jobs.wait(timeout=30)  # its jobs drain first (local_jobs.DRAIN_SECONDS)
            except subprocess.TimeoutExpired:
                self.jobs.kill()
                self.jobs.wait()

    def start_api(self) -> None:
        host, port, web_port = os.environ["HOST"], int(os.environ["PORT"]), int(os.environ["WEB_PORT"])
        workers = int(os.environ.get("WORKERS") or os.cpu_count() or 2)
        binds = ["--bind", f"{host}:{port}", "--bind", f"{host}:{web_port}"]  # the site's port answers while it builds
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            *binds,
            "--workers",
            str(workers),
            "--threads",
            os.environ.get("THREADS", "8"),
            "--worker-class",
            "devtools.gunicorn_glue.EnvelopeWorker",
            "--logger-class",
            "devtools.gunicorn_glue.JsonLogger",
            "--keep-alive",
            "75",  # as a browser or an HTTP client pool keeps a connection
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            "devtools.local_wsgi:app",
        ]
        output = {} if self.log_path is None else {"stdout": self.log_sink, "stderr": subprocess.STDOUT}
        self.api = subprocess.Popen(command, cwd=ROOT, **output)  # noqa: S603  # nosec B603
        self._wait_healthy(os.environ["LOCAL_API_URL"] + "/health")

    def _wait_healthy(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.api is None or self.api.poll() is not None:
                raise RuntimeError("the API workers stopped during start-up (see above)")
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310  # nosec B310  # our own loopback URL
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the API did not answer {url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.web_build is not None:
            self.web_build.stop()
        if self.api is not None and self.api.poll() is None:
            self.api.send_signal(signal.SIGINT)  # gunicorn's quick stop, as Ctrl-C gives it
            try:
                self.api.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.api.kill()
        self.stop_jobs()
        if self.aws is not None:
            from .local_routes import outbox

            try:
                outbox.keep(str(self.folder))  # moto forgets its emails at the stop; the outbox does not
            except Exception as error:
                print(f"The outbox was not kept ({type(error).__name__}).", flush=True)
        if self.dynamodb is not None:
            self.dynamodb.stop()
        if self.aws is not None:
            self.aws.stop()
        with contextlib.suppress(OSError):
            if running_state(self.folder) and running_state(self.folder).get("pid") == os.getpid():
                state_file(self.folder).unlink()

    # --- reload -----------------------------------------------------------------------------
    def reload(self, changed: list[str]) -> None:
        started = time.monotonic()
        names = ", ".join(self._shown(Path(path)) for path in changed[:3]) + (" ..." if len(changed) > 3 else "")
        if self.api is not None and self.api.poll() is None:
            self.api.send_signal(signal.SIGHUP)  # new workers with the new code; the old finish and stop
        time.sleep(0.5)  # the new workers boot first: they are what a user waits for
        self.stop_jobs()
        try:
            self.start_jobs()
        except Exception as error:  # a broken edit: say so, keep serving, retry at the next change
            print(f"Reload: the background jobs did not start ({type(error).__name__}); fix the code and save again.")
        print(f"Reloaded after a change to {names} ({time.monotonic() - started:.1f} s).", flush=True)

    def watch(self) -> int:
        before = snapshot()
        while not self.stopping.wait(0.2):  # a scan costs about 3 ms
            if self.api is not None and self.api.poll() is not None:
                print(f"The API workers stopped (status {self.api.returncode}).", flush=True)
                return 1
            after = snapshot()
            if run_files.changed(before, after):
                time.sleep(0.05)  # an editor writing several files at once
                after = snapshot()
                self.reload(run_files.changed(before, after))
            before = after
        return 0


def main(argv: list[str] | None = None) -> int:
    if "--routes" in (sys.argv[1:] if argv is None else argv):
        print("\n".join(local_server.route_lines(serverless_config.routes())))
        return 0
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # ordered with the children's lines
    supervisor = Supervisor()
    folder = supervisor.folder
    already = running_state(folder)
    if already is not None:
        print(f"make run is already running (pid {already['pid']}, {already['url']}); stop it first.")
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    supervisor.open_log()
    if os.environ.get("FRESH", "") not in ("", "0"):
        reset(folder)
        print(f"FRESH=1: started empty ({supervisor._shown(folder)} cleared).")
    notes = local_env.configure_environment(secret_file=folder / "jwt-secret")
    os.environ.update(local_env.DUMMY_AWS)

    def stop(signum: int, frame: Any) -> None:
        supervisor.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        dynamodb_url = supervisor.start_backends(notes)
        import boto3

        client = boto3.client("dynamodb", endpoint_url=dynamodb_url)
        serverless_config.create_table(client, os.environ["TABLE_NAME"])
        admin_line = local_env.seed_and_load(client, notes)
        state = {
            "pid": os.getpid(),
            "url": os.environ["LOCAL_API_URL"],
            "table": os.environ["TABLE_NAME"],
            "dynamodb": dynamodb_url,
            "aws": supervisor.aws.url if supervisor.aws else None,
            "backend": supervisor.backend,
        }
        state_file(folder).write_text(json.dumps(state))
        supervisor.start_jobs()
        os.environ["LOCAL_WEB_URL"] = f"http://{os.environ['HOST']}:{os.environ['WEB_PORT']}"
        supervisor.start_api()
    except Exception as error:
        print(f"make run could not start: {error}", flush=True)
        supervisor.stop()
        return 1

    build = web_build.command()
    lines = run_banner.lines(
        backend=supervisor.backend,
        aws_url=state["aws"],
        job_names=supervisor.job_names,
        notes=notes,
        dist=supervisor._shown(WEB_DIST) if not build else None,
        log=supervisor._shown(supervisor.log_path) if supervisor.log_path else None,
        admin_line=admin_line,
    )
    print("\n".join(lines), flush=True)  # one write: the banner is never split by a log line
    if build:
        supervisor.web_build = web_build.Build(build, supervisor.folder / "web-build.log", WEB_DIST)
        supervisor.web_build.start(os.environ["LOCAL_WEB_URL"], supervisor._shown)
    try:
        status = supervisor.watch()
    finally:
        supervisor.stop()
        print("Stopped.", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
