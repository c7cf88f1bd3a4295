"""`make help` is where a newcomer looks for what to run: it names every target a user may run
(each .PHONY target of the Makefile and web/storefront.mk but the internal ones)."""

from __future__ import annotations

import re
import shutil
import subprocess

from devtools.serverless_config import ROOT

# run by other targets, not by hand (and help itself)
INTERNAL = {"preflight", "FORCE", "help", "timed-test-iam", "timed-test-dynamodb-local"}


def _phony_targets() -> set[str]:
    found: set[str] = set()
    for makefile in (ROOT / "Makefile", ROOT / "web" / "storefront.mk"):
        for line in makefile.read_text().splitlines():
            if line.startswith(".PHONY:"):
                found |= set(line.removeprefix(".PHONY:").split())
    return found - INTERNAL


def test_make_help_names_every_target_a_user_may_run_and_the_load_backends():
    make = shutil.which("make") or "/usr/bin/make"
    done = subprocess.run(  # noqa: S603 - make, in this repository
        [make, "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    shown = set(re.findall(r"\bmake ([a-z][a-z0-9-]*)", done.stdout))
    assert sorted(_phony_targets() - shown) == []
    assert {"web", "test-web", "test-e2e", "screenshots", "chromium", "unit", "integration", "lint"} <= shown
    assert {"security", "load-smoke", "clean", "routes"} <= shown
    assert "BACKEND=make-run" in done.stdout
