"""scripts/step.sh and make test's step rules: each step's time and verdict recorded, its exit
code kept, its output printed in one piece when it ends although steps run side by side, and a
step that waits for a failed one reported as not run."""

from __future__ import annotations

import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
STEP = str(ROOT / "scripts" / "step.sh")


def _env(tmp_path: pathlib.Path) -> dict[str, str]:
    return {"TEST_TIMES": str(tmp_path / "times.txt"), "TEST_LOGS": str(tmp_path / "logs"), "PATH": "/usr/bin:/bin"}


def test_each_step_is_appended_with_its_seconds_and_verdict_and_the_exit_code_is_kept(tmp_path):
    env = _env(tmp_path)
    ok = subprocess.run([STEP, "first", "sh", "-c", "sleep 1; echo one"], env=env, capture_output=True, text=True)  # noqa: S603
    bad = subprocess.run([STEP, "second", "sh", "-c", "echo two; exit 3"], env=env, capture_output=True, text=True)  # noqa: S603
    assert (ok.returncode, bad.returncode) == (0, 3)
    first, second = (tmp_path / "times.txt").read_text().splitlines()
    assert first.split()[0] == "first" and int(first.split()[1]) >= 1 and first.endswith(" s  ok")
    assert second.split()[0] == "second" and second.endswith("failed (3)")
    assert "one\n" in ok.stdout and "== first: ok after" in ok.stdout
    assert "two\n" in bad.stdout and "== second: failed (3) after" in bad.stdout
    assert (tmp_path / "logs" / "second.log").read_text() == "two\n"


def test_steps_side_by_side_print_their_output_whole_when_each_ends(tmp_path):
    """Two steps at once, each printing lines over a second: each one's lines come out together,
    after its own 'started' line, never interleaved with the other's."""
    env = _env(tmp_path)
    noisy = "for i in 1 2 3 4 5; do echo {0}\\$i; sleep 0.2; done"  # \\$: for the inner shell
    script = f'{STEP} left sh -c "{noisy.format("L")}" & {STEP} right sh -c "{noisy.format("R")}"; wait'
    done = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=True)  # noqa: S603, S607
    lines = done.stdout.splitlines()
    for name, mark in (("left", "L"), ("right", "R")):
        own = [i for i, line in enumerate(lines) if line.startswith(mark)]
        assert [lines[i] for i in own] == [f"{mark}{n}" for n in range(1, 6)]
        assert own == list(range(own[0], own[0] + 5))  # consecutive: printed in one piece
        assert lines[own[0] - 1] == f"== {name}: output ({tmp_path}/logs/{name}.log)"
        assert any(line.startswith(f"== {name}: started at ") for line in lines[: own[0]])


def test_make_test_lanes_run_their_steps_in_order_side_by_side_and_a_failure_stops_no_step(tmp_path):
    """The Makefile's own lane rule, on a stand-in Makefile: each lane runs its steps one after
    the other (a step's output comes after the one before it), the lanes run at once, a failed step
    does not stop the next one, and the run fails."""
    makefile = tmp_path / "Makefile"
    rule = (ROOT / "Makefile").read_text().split("test-lane-%:\n", 1)[1].split("\n\n", 1)[0]
    rule = rule.replace("scripts/step.sh", STEP)  # the stand-in runs in another folder
    makefile.write_text(
        "TEST_LANE_1 := package cfn-lint\n"
        "TEST_LANE_2 := lint\n"
        "package:\n\t@sleep 0.5; echo packaging; exit 2\n"
        "cfn-lint:\n\t@echo linting the template\n"
        "lint:\n\t@echo linting the code\n"
        f"test-lane-%:\n{rule}\n"
    )
    done = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "-f", str(makefile), "-j2", "-k", "test-lane-1", "test-lane-2"],  # noqa: S607
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    times = [line.split()[0] for line in (tmp_path / "times.txt").read_text().splitlines()]
    assert times == ["lint", "package", "cfn-lint"]  # lane 2 ended first; cfn-lint ran after package failed
    out = done.stdout
    assert out.index("== lint: started") < out.index("linting the code") < out.index("packaging")
    assert out.index("packaging") < out.index("== cfn-lint: started") < out.index("linting the template")
