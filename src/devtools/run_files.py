"""What `make run` keeps and watches: its data folder (LOCAL_DATA_DIR, default .local/), the
state file a running supervisor writes about itself (read by `make admin`), what `make reset`
empties, and the snapshot of the sources whose change reloads the workers."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from .serverless_config import ROOT

WATCHED = (ROOT / "src", ROOT / "serverless.yml")


def data_dir() -> Path:
    return Path(os.environ.get("LOCAL_DATA_DIR") or ROOT / ".local").resolve()


def state_file(folder: Path | None = None) -> Path:
    return (folder or data_dir()) / "run.json"


def running_state(folder: Path | None = None) -> dict[str, Any] | None:
    """What a running `make run` wrote about itself (endpoints, table), or None."""
    path = state_file(folder)
    try:
        state = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return state


def reset(folder: Path) -> None:
    """Everything `make run` keeps: the table's data, the generated JWT secret, the image
    renditions (devtools/local_jobs/images.py) and the outbox (devtools/local_routes/outbox.py)."""
    for name in ("dynamodb", "jwt-secret", "media", "outbox.json"):
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def snapshot() -> dict[str, float]:
    found = {}
    for root in WATCHED:
        paths = [root] if root.is_file() else root.rglob("*")
        for path in paths:
            if path.suffix in (".pyc",) or "__pycache__" in path.parts:
                continue
            with contextlib.suppress(OSError):
                if path.is_file():
                    found[str(path)] = path.stat().st_mtime_ns
    return found


def changed(before: dict[str, float], after: dict[str, float]) -> list[str]:
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def server_log(folder: Path) -> Path | None:
    """Where the workers' and the jobs' log lines go: LOCAL_DATA_DIR/server.log, so the banner
    stays readable; None (this terminal) with LOG_TO_CONSOLE=1."""
    return None if os.environ.get("LOG_TO_CONSOLE", "") not in ("", "0") else folder / "server.log"
