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
    """Every watched file's modification time. One os.scandir walk (a stat per file, none per
    folder, __pycache__ never entered): the reload watcher runs it 5 times a second, so it is
    a steady cost of an idle `make run` (docs/BENCHMARKS.md, "Where the time goes")."""
    found: dict[str, float] = {}
    for root in WATCHED:
        if root.is_file():
            with contextlib.suppress(OSError):
                found[str(root)] = root.stat().st_mtime_ns
            continue
        folders = [str(root)]
        while folders:
            with contextlib.suppress(OSError), os.scandir(folders.pop()) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name != "__pycache__":
                                folders.append(entry.path)
                        elif not entry.name.endswith(".pyc") and entry.is_file():
                            found[entry.path] = entry.stat().st_mtime_ns
    return found


def changed(before: dict[str, float], after: dict[str, float]) -> list[str]:
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def server_log(folder: Path) -> Path | None:
    """Where the workers' and the jobs' log lines go: LOCAL_DATA_DIR/server.log, so the banner
    stays readable; None (this terminal) with LOG_TO_CONSOLE=1."""
    return None if os.environ.get("LOG_TO_CONSOLE", "") not in ("", "0") else folder / "server.log"
