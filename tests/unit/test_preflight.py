"""scripts/preflight.sh (make run's first step): each missing tool named in one line with how to
get it, never a traceback."""

import os
import shutil
import subprocess
import sys

from devtools.serverless_config import ROOT


def run_with_only(tmp_path, *tools: str) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", *tools):
        os.symlink(sys.executable if tool == "python3" else shutil.which(tool), bin_dir / tool)
    return subprocess.run(  # noqa: S603  # our own script
        [str(bin_dir / "bash"), str(ROOT / "scripts" / "preflight.sh")],
        cwd=tmp_path,  # no .venv here
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_missing_python_and_node_are_named_in_one_line_each(tmp_path):
    done = run_with_only(tmp_path)
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Python 3.12 is needed") and "apt-get install python3.12" in lines[0]
    assert lines[1].startswith("Node.js 20+ with npm is needed") and "brew install node" in lines[1]
    assert "Traceback" not in done.stdout + done.stderr


def test_nothing_is_said_when_everything_is_there(tmp_path):
    done = run_with_only(tmp_path, "python3", "node", "npm", "env")
    assert (done.returncode, done.stdout) == (0, "")
