"""`make scan`'s reading of pip-audit's JSON report."""

from tests.proof.audit_gate import verdict

AUDITED = {"name": "flask", "version": "3.1.3", "vulns": []}
SKIPPED = {"name": "flask", "version": "3.1.3", "skip_reason": "Dependency not found on PyPI"}
VULNERABLE = {"name": "jinja2", "version": "3.1.2", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["3.1.3"]}]}


def test_a_known_vulnerability_fails():
    code, message = verdict({"dependencies": [AUDITED, VULNERABLE]}, 1)
    assert code == 1 and "GHSA-xxxx" in message and "3.1.3" in message


def test_a_clean_report_passes():
    assert verdict({"dependencies": [AUDITED]}, 0) == (0, "pip-audit: no known vulnerabilities in 1 packages")


def test_an_unreachable_database_is_reported_and_fails_only_when_strict(monkeypatch):
    code, message = verdict({"dependencies": [SKIPPED]}, 0)
    assert code == 0 and "NOT AUDITED" in message
    assert verdict(None, 124) == (0, "pip-audit NOT RUN: timed out (vulnerability database unreachable?)")
    monkeypatch.setenv("PIP_AUDIT_STRICT", "1")
    assert verdict({"dependencies": [SKIPPED]}, 0)[0] == 1
    assert verdict(None, 124)[0] == 1
