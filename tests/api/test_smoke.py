"""`make smoke HOST=...` (what deploy.yml runs against each stage) against the real local server:
it passes, and it only reads, so it is safe on a stage with customers' data."""

from __future__ import annotations

import json
import subprocess

import requests

from tests.api.conftest import ROOT

COLLECTION = ROOT / "postman" / "shop-api.postman_collection.json"
FOLDER = "0. Smoke (read-only)"


def _folder() -> dict:
    (folder,) = [f for f in json.loads(COLLECTION.read_text())["item"] if f["name"] == FOLDER]
    return folder


def test_the_smoke_folder_only_reads_and_needs_no_account():
    requests_ = [item["request"] for item in _folder()["item"]]
    assert requests_ and {r["method"] for r in requests_} == {"GET"}
    for request in requests_:
        assert not request.get("body") and not any(h["key"].lower() == "authorization" for h in request["header"])
    assert requests_[0]["url"]["raw"] == "{{baseUrl}}/health"  # health first


def test_make_smoke_passes_against_a_stage_and_changes_nothing(server):
    before = requests.get(f"{server.url}/products?limit=100", timeout=10).json()["data"]
    done = subprocess.run(  # noqa: S603 - make with a fixed target
        ["make", "--no-print-directory", "smoke", f"HOST={server.url}/"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Health check" in done.stdout and "List orders without a token -> 401" in done.stdout
    assert requests.get(f"{server.url}/products?limit=100", timeout=10).json()["data"] == before
