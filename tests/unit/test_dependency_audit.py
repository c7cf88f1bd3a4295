"""The audit wrapper never reports green for an audit that did not happen."""

from __future__ import annotations

from devtools import dependency_audit
from devtools.dependency_audit import verdict

CLEAN = {"dependencies": [{"name": "bcrypt", "version": "5.0.0", "vulns": []}]}
VULNERABLE = {"dependencies": [{"name": "urllib3", "version": "1.0", "vulns": [{"id": "GHSA-x"}]}]}
UNREACHABLE = {"dependencies": [{"name": "boto3", "skip_reason": "Dependency not found on PyPI"}]}


def test_a_clean_audit_passes():
    assert verdict(CLEAN, required=True)[0] == 0


def test_a_vulnerability_always_fails():
    status, lines = verdict(VULNERABLE, required=False)
    assert status == 1 and "VULNERABLE urllib3 1.0: GHSA-x" in lines


def test_an_audit_that_could_not_run_is_labelled_and_fails_when_required():
    for report in (UNREACHABLE, None, {"dependencies": []}):
        status, lines = verdict(report, required=False)
        assert status == 0 and any("NOT PERFORMED" in line for line in lines) and lines[-1].startswith("SKIPPED")
        assert verdict(report, required=True)[0] == 1


def test_runtime_pins_follow_the_requirements_to_what_they_pull_in():
    pins = dependency_audit.runtime_pins(dependency_audit.ROOT / "requirements.txt")
    names = {pin.split("==")[0] for pin in pins}
    assert {"boto3", "botocore", "urllib3", "pyjwt", "bcrypt"} <= names
    assert "moto" not in names and "pytest" not in names  # test tooling never ships


def test_every_layer_is_audited_with_the_zips():
    """Each Lambda layer's requirements file (Pillow, tantivy, stripe and its HTTP stack) is audited
    along with requirements.txt, and what those layers pull in from the zips or the runtime too."""
    layers = {path.parent.name for path in dependency_audit.layer_requirements()}
    assert {"pillow", "tantivy", "stripe"} <= layers
    names = {pin.split("==")[0] for pin in dependency_audit.audited_pins()}
    assert {"pillow", "tantivy", "stripe", "requests", "charset-normalizer", "certifi"} <= names
    assert {"bcrypt", "pyjwt", "idna", "urllib3", "typing-extensions"} <= names
    assert "moto" not in names and "pytest" not in names
