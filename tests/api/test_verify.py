"""flask verify and GET /admin/verify: a clean ledger passes; tampering behind the app's back fails."""

import pytest

from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PIN

CHECKS = [
    "ledger_sums_to_zero",
    "entries_balanced",
    "balances_match_postings",
    "no_negative_balances",
    "audit_chain_intact",
    "audit_all_sealed",
    "journal_entries_audited",
    "money_audit_has_entries",
    "append_only_triggers_present",
]


@pytest.fixture
def activity(api, teller):
    """Deposits, a withdrawal, a transfer, a reversal and a decline."""
    _, headers = api.customer()
    source = api.funded_account(headers, 10_000)
    target = api.account(headers, type="savings")
    api.client.post(
        f"/api/v1/accounts/{source['id']}/withdrawals", json={"amount_cents": 1_000, "pin": PIN}, headers=headers
    )
    entry = api.transfer(headers, source["id"], target["number"], 2_000).json
    assert api.client.post(f"/api/v1/transactions/{entry['id']}/reverse", headers=teller[1]).status_code == 201
    assert api.transfer(headers, target["id"], source["number"], 1).status_code == 422
    return source, target


def _verify(app):
    return app.test_cli_runner().invoke(args=["verify"])


def _lines(output):
    return {line.split()[1]: line.split()[0] for line in output.splitlines() if line[:4] in ("PASS", "FAIL")}


def _tamper(app, *statements):
    conn = raw_connection(app)
    try:
        for statement, params in statements:
            cursor = conn.execute(statement, params)
            if statement.startswith(("UPDATE", "DELETE")):
                assert cursor.rowcount == 1, statement  # the tampering really changed something
    finally:
        conn.close()


def test_verify_passes_on_a_clean_ledger(app, activity):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert _lines(result.output) == dict.fromkeys(CHECKS, "PASS")
    assert "FAIL" not in result.output


def test_verify_passes_on_an_empty_database(app):
    result = _verify(app)
    assert result.exit_code == 0
    assert _lines(result.output) == dict.fromkeys(CHECKS, "PASS")


def test_verify_detects_a_tampered_balance(app, activity):
    source, _ = activity
    _tamper(app, ("UPDATE accounts SET balance_cents = balance_cents + 500 WHERE id = ?", (source["id"],)))
    result = _verify(app)
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert lines["balances_match_postings"] == "FAIL"
    assert lines["ledger_sums_to_zero"] == "PASS"
    assert f"ids: {source['id']}" in result.output


def test_verify_detects_an_edited_audit_record(app, activity):
    _tamper(
        app,
        ("DROP TRIGGER audit_log_no_update", ()),
        ("UPDATE audit_log SET outcome = 'tampered' WHERE id = 1", ()),
    )
    result = _verify(app)
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert lines["audit_chain_intact"] == "FAIL"
    assert [name for name, status in lines.items() if status == "FAIL"] == [
        "audit_chain_intact",
        "append_only_triggers_present",  # the dropped trigger shows too
    ]


def test_verify_detects_a_deleted_audit_record(app, activity):
    _tamper(
        app,
        ("DROP TRIGGER audit_log_no_delete", ()),
        ("DELETE FROM audit_log WHERE id = 2", ()),
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert _lines(result.output)["audit_chain_intact"] == "FAIL"


def test_verify_detects_an_edited_posting(app, activity):
    _tamper(
        app,
        ("DROP TRIGGER postings_no_update", ()),
        ("UPDATE postings SET amount_cents = amount_cents + 1 WHERE id = (SELECT MAX(id) FROM postings)", ()),
    )
    result = _verify(app)
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert (lines["ledger_sums_to_zero"], lines["entries_balanced"], lines["balances_match_postings"]) == (
        "FAIL",
        "FAIL",
        "FAIL",
    )


def test_verify_detects_a_negative_balance(app, activity):
    source, _ = activity
    _tamper(
        app,
        ("PRAGMA ignore_check_constraints = ON", ()),
        ("UPDATE accounts SET balance_cents = -1 WHERE id = ?", (source["id"],)),
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert _lines(result.output)["no_negative_balances"] == "FAIL"


def test_admin_verify_api_reports_every_check(client, admin, activity, audit):
    response = client.get("/api/v1/admin/verify", headers=admin[1])
    assert response.status_code == 200
    assert response.json["passed"] is True
    assert [c["name"] for c in response.json["checks"]] == CHECKS
    assert all(c["passed"] and c["failures"] == 0 for c in response.json["checks"])
    assert {c["name"]: c["checked"] > 0 for c in response.json["checks"]} == dict.fromkeys(CHECKS, True)
    assert [r["outcome"] for r in audit(action="verify")] == ["success"]


def test_admin_verify_api_reports_a_failure(app, client, admin, activity):
    source, _ = activity
    _tamper(app, ("UPDATE accounts SET balance_cents = balance_cents + 1 WHERE id = ?", (source["id"],)))
    response = client.get("/api/v1/admin/verify", headers=admin[1])
    assert response.status_code == 200
    assert response.json["passed"] is False
    failed = [c for c in response.json["checks"] if not c["passed"]]
    assert [(c["name"], c["failures"]) for c in failed] == [("balances_match_postings", 1)]


@pytest.mark.parametrize("who", ["teller", "customer"])
def test_only_admins_run_verification(api, client, teller, who):
    headers = teller[1] if who == "teller" else api.customer()[1]
    assert_problem(client.get("/api/v1/admin/verify", headers=headers), 403, "forbidden")
