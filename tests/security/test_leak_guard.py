"""The secret-leak guard (tests/leak_guard.py) fails a session whose logs leak, even when
every test passes. Proven on planted leaks in a separate pytest process."""

from __future__ import annotations

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

PLANTED = """
import json

from shop import passwords, tokens
from shop.log import logger
from tests.apigw import invoke


def test_a_password_from_the_traffic_reaches_a_log_line():
    body = {"email": "someone@example.com", "password": "Planted-Passw0rd!"}
    invoke("POST", "/auth/login", raw_body="{", headers={"X-Ignored": json.dumps(body)})
    invoke("GET", "/orders", headers={"Authorization": "Basic cGxhbnRlZC1jcmVkZW50aWFs"})
    logger.warning("debugging auth", extra={"authorization": "Basic cGxhbnRlZC1jcmVkZW50aWFs"})


def test_a_token_is_printed():
    print(json.dumps({"token": tokens.issue("u1", "a@example.com", "customer")}))


def test_a_password_hash_is_logged():
    logger.info("stored user", extra={"hash": passwords.hash_password("Another-Passw0rd!")})


def test_a_password_given_to_bcrypt_is_logged():
    passwords.verify_password("Guessed-Passw0rd!", None)
    logger.info("login attempt", extra={"tried": "Guessed-Passw0rd!"})


def test_an_email_is_logged_unmasked():
    logger.info("lookup", extra={"email": "bob@example.com"})


def test_a_masked_email_is_fine():
    logger.info("lookup", extra={"email": "b***@example.com"})
"""


# Under pytest-xdist (make test runs two workers) a secret learned in one worker's test and
# printed by a test in the other is still found: the controller judges every worker's lines
# against every worker's secrets.
LEARNED_HERE = """
from shop import passwords


def test_a_password_is_hashed_here():
    passwords.hash_password("Cross-Worker-Passw0rd!")
"""

PRINTED_THERE = """
from shop.log import logger


def test_and_printed_there():
    logger.info("debugging", extra={"typed": "Cross-Worker-Passw0rd!"})
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2", "--dist", "loadfile"]], ids=["one process", "two xdist workers"])
def test_the_guard_fails_a_passing_suite_that_leaks(pytester, monkeypatch, workers):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(ROOT / "src")]))
    pytester.makeconftest('pytest_plugins = ["tests.leak_guard"]\n')
    pytester.makepyfile(test_planted=PLANTED, test_learned=LEARNED_HERE, test_printed=PRINTED_THERE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers)
    result.assert_outcomes(passed=8)  # every test passes, yet the session fails
    assert result.ret == 1
    report = "\n".join(line for line in result.outlines if line.startswith("LEAK "))
    expected = {
        "test_a_password_from_the_traffic_reaches_a_log_line": "Authorization",
        "test_a_token_is_printed": "JWT",
        "test_a_password_hash_is_logged": "password hash",
        "test_a_password_given_to_bcrypt_is_logged": "password",
        "test_an_email_is_logged_unmasked": "unmasked email",
        "test_and_printed_there": "password",
    }
    for test, kind in expected.items():
        assert any(f"LEAK {kind}" in line and test in line for line in report.splitlines()), (test, report)
    assert "test_a_masked_email_is_fine" not in report
    # The other direction, a clean session passing, is this very suite passing.


RUNS_ANOTHER_SESSION = """
def test_a_session_of_its_own_prints_its_planted_leak(pytester):
    print("stored user $2b$04$" + "x" * 53)  # what a planted suite's output echoes
"""


def test_a_test_running_a_session_of_its_own_is_exempt_on_xdist_workers_too(pytester, monkeypatch):
    """A pytester test echoes another session's planted leaks, which that session's own guard
    judges. Under xdist the controller also receives each worker's reports: it must not judge
    them again, without the worker's knowledge of which tests are exempt."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(ROOT / "src")]))
    pytester.makeconftest('pytest_plugins = ["tests.leak_guard", "pytester"]\n')
    pytester.makepyfile(test_nested=RUNS_ANOTHER_SESSION, test_planted=PLANTED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=7)
    report = [line for line in result.outlines if line.startswith("LEAK ")]
    assert report, "the planted leaks beside it are still found"
    assert not [line for line in report if "test_a_session_of_its_own" in line], report
