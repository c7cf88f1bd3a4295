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


def test_beside_runs_the_background_step_while_the_others_run_in_turn_and_fails_if_any_failed(tmp_path):
    fake_make = tmp_path / "make"
    fake_make.write_text(
        "#!/bin/sh\n"  # $1 is --no-print-directory, $2 the target
        'case "$2" in\n'
        '  rehearsal) sleep 1; echo "rehearsal output"; [ -f "$MARK" ] || exit 7 ;;\n'
        '  first) touch "$MARK"; echo "first ran" ;;\n'
        "  broken) exit 4 ;;\n"
        '  last) echo "last ran" ;;\n'
        "esac\n"
    )
    fake_make.chmod(0o755)
    times, log = tmp_path / "times.txt", tmp_path / "logs" / "rehearsal.log"
    env = {"TEST_TIMES": str(times), "MAKE": str(fake_make), "MARK": str(tmp_path / "mark"), "PATH": "/usr/bin:/bin"}
    beside = str(ROOT / "scripts" / "beside.sh")

    done = subprocess.run(  # noqa: S603
        [beside, str(log), "rehearsal", "--", "first", "broken", "last"], env=env, capture_output=True, text=True
    )

    assert done.returncode == 1  # "broken" failed; "last" still ran after it
    assert "first ran" in done.stdout and "last ran" in done.stdout
    # The background step did not end before the first step ran (it saw its mark); its output comes after.
    assert done.stdout.index("last ran") < done.stdout.rindex("rehearsal output")
    assert log.read_text() == "rehearsal output\n"
    verdicts = {line.split()[0]: line.split("s  ", 1)[1] for line in times.read_text().splitlines()}
    assert verdicts == {"first": "ok", "broken": "failed (4)", "last": "ok", "rehearsal": "ok"}


def test_beside_succeeds_only_when_the_background_step_does_too(tmp_path):
    fake_make = tmp_path / "make"
    fake_make.write_text('#!/bin/sh\n[ "$2" = rehearsal ] && exit 9\nexit 0\n')
    fake_make.chmod(0o755)
    env = {"TEST_TIMES": str(tmp_path / "t.txt"), "MAKE": str(fake_make), "PATH": "/usr/bin:/bin"}
    beside = str(ROOT / "scripts" / "beside.sh")

    failed = subprocess.run([beside, str(tmp_path / "r.log"), "rehearsal", "--", "a"], env=env, check=False)  # noqa: S603
    fake_make.write_text("#!/bin/sh\nexit 0\n")
    passed = subprocess.run([beside, str(tmp_path / "r.log"), "rehearsal", "--", "a"], env=env, check=False)  # noqa: S603

    assert (failed.returncode, passed.returncode) == (1, 0)
