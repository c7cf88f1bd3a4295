"""scripts/timed.sh: `make test` records each step's time and verdict, and keeps its exit code."""

from __future__ import annotations

import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
TIMED = str(ROOT / "scripts" / "timed.sh")


def test_each_step_is_appended_with_its_seconds_and_verdict_and_the_exit_code_is_kept(tmp_path):
    times = tmp_path / "times" / "test-times.txt"
    env = {"TEST_TIMES": str(times), "PATH": "/usr/bin:/bin"}
    assert subprocess.run([TIMED, "first", "sleep", "1"], env=env, check=False).returncode == 0  # noqa: S603
    assert subprocess.run([TIMED, "second", "sh", "-c", "exit 3"], env=env, check=False).returncode == 3  # noqa: S603
    first, second = times.read_text().splitlines()
    assert first.split()[0] == "first" and int(first.split()[1]) >= 1 and first.endswith(" s  ok")
    assert second.split()[0] == "second" and second.endswith("failed (3)")
