"""What each profile's verdict judges, said in words on the summary and while it runs."""

from __future__ import annotations

import sys

import pytest

from tests.load.conftest import ROOT

sys.path.insert(0, str(ROOT / "load"))
import thresholds  # load/ is Locust's folder, not a package


@pytest.mark.parametrize("profile", ["load", "volume"])
def test_load_and_volume_judge_p95_and_failures_per_request_type(profile, monkeypatch):
    monkeypatch.setenv("THRESHOLD_P95_MS", "500")
    assert thresholds.judged(profile) == [
        "p95 < 500 ms per request type and in total",
        "failures < 2% per request type and in total",
    ]


def test_stress_judges_failures_its_breaking_point_and_the_users_held(monkeypatch):
    monkeypatch.setenv("STRESS_MIN_USERS", "40")
    judged = thresholds.judged("stress")
    assert judged[0] == "failures < 2% per request type and in total"
    assert "breaking point" in judged[1] and "p95 per request type not judged" in judged[1]
    assert "STRESS_MIN_USERS=40" in judged[2]


def test_spike_judges_failures_and_recovery_not_latency_per_request_type():
    judged = thresholds.judged("spike")
    assert judged[0] == "failures < 2% per request type and in total"
    assert judged[1].startswith("recovery: a 5 s window after the drop") and "not judged" in judged[1]
    assert not any(line.startswith("p95 <") for line in judged)


@pytest.mark.parametrize("profile", ["load", "stress", "spike", "volume"])
def test_a_smoke_run_judges_failures_only_and_says_so(profile, monkeypatch):
    """make load-smoke (in make test, on a shared runner) sets LOAD_JUDGE=failures."""
    monkeypatch.setenv("LOAD_JUDGE", "failures")
    judged = thresholds.judged(profile)
    assert judged[0] == "failures < 2% per request type and in total"
    assert "not judged" in judged[1] and len(judged) == 2
