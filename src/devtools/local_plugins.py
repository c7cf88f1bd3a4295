"""The local server's plug-ins: local-only routes (devtools/local_routes/) and background jobs
(devtools/local_jobs/), discovered by module. Each route module has PREFIXES and handle(request);
each job module NAME, optional setup(), interval_seconds() and tick()."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from types import ModuleType

from werkzeug.wrappers import Request, Response

_log = logging.getLogger("devtools.local")


def _modules(package: str) -> list[ModuleType]:
    found = importlib.import_module(package)
    return [importlib.import_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(found.__path__)]


def route_modules() -> list[ModuleType]:
    return _modules("devtools.local_routes")


def job_modules() -> list[ModuleType]:
    return _modules("devtools.local_jobs")


def respond(request: Request, routes: list[ModuleType]) -> Response | None:
    for module in routes:
        if request.path.startswith(tuple(module.PREFIXES)):
            return module.handle(request)
    return None


def start_jobs(stop: threading.Event) -> list[str]:
    """setup() every job, then run each in its own daemon thread; returns their names."""
    names = []
    for job in job_modules():
        if hasattr(job, "setup"):
            job.setup()
        threading.Thread(target=_run, args=(job, stop), name=f"job-{job.NAME}", daemon=True).start()
        names.append(job.NAME)
    return names


def _run(job: ModuleType, stop: threading.Event) -> None:
    while not stop.wait(job.interval_seconds()):
        try:
            job.tick()
        except Exception as error:  # a job goes on at its next tick; the type says what failed
            _log.warning("job %s failed: %s", job.NAME, type(error).__name__)
