"""flask verify and GET /admin/verify: a clean ledger passes; tampering behind the app's back fails."""

import pytest

from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PIN
from tests.support import databases

CHECKS = [
    "ledger_sums_to_zero",
    "entries_balanced",
    "balances_match_postings",
    "no_negative_balances",
    "holds_match_reservations",
    "captures_match_entries",
    "holds_audited",
    "approvals_executed",
    "audit_chain_intact",
    "audit_all_sealed",
    "journal_entries_audited",
    "money_audit_has_entries",
    "append_only_triggers_present",
]


@pytest.fixture
def activity(api, teller, admin):
    """Deposits, a withdrawal, a transfer, a reversal, a decline, a captured authorisation, a staff hold,
    a large reversal approved by a second teller and the admin role granted with a second admin's approval."""
    _, headers = api.customer()
    source = api.funded_account(headers, 10_000)
    target = api.account(headers, type="savings")
    api.client.post(
        f"/api/v1/accounts/{source['id']}/withdrawals", json={"amount_cents": 1_000, "pin": PIN}, headers=headers
    )
    entry = api.transfer(headers, source["id"], target["number"], 2_000).json
    assert api.client.post(f"/api/v1/transactions/{entry['id']}/reverse", headers=teller[1]).status_code == 201
    assert api.transfer(headers, target["id"], source["number"], 1).status_code == 422
    card = api.client.post(f"/api/v1/accounts/{source['id']}/card", headers=headers).json
    hold = api.client.post(
        f"/api/v1/cards/{card['id']}/authorizations",
        json={"amount_cents": 700, "merchant": "Rail", "pin": PIN},
        headers=headers,
    ).json
    assert api.client.post(f"/api/v1/holds/{hold['id']}/capture", json={}, headers=headers).status_code == 201
    lien = {"amount_cents": 300, "reason": "Dispute 12"}
    assert api.client.post(f"/api/v1/accounts/{source['id']}/holds", json=lien, headers=teller[1]).status_code == 201
    _, rich = api.customer()
    large = api.funded_account(rich, 200_000)
    cash = api.client.post(
        f"/api/v1/accounts/{large['id']}/withdrawals", json={"amount_cents": 150_000, "pin": PIN}, headers=rich
    ).json
    approval = api.client.post(f"/api/v1/transactions/{cash['id']}/reverse", headers=teller[1]).json  # SPEC 15
    checker = api.staff("teller")[1]
    assert api.client.post(f"/api/v1/approvals/{approval['id']}/approve", headers=checker).status_code == 200
    promoted, _ = api.staff("teller")
    grant = api.client.post(f"/api/v1/admin/users/{promoted.id}/role", json={"role": "admin"}, headers=admin[1])
    assert grant.status_code == 202, grant.json
    second_admin = api.staff("admin")[1]
    assert api.client.post(f"/api/v1/approvals/{grant.json['id']}/approve", headers=second_admin).status_code == 200
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


def _drop_trigger(table, name):
    """DROP TRIGGER as each backend spells it (PostgreSQL names the table), for ``_tamper``."""
    return (f"DROP TRIGGER {name} ON {table}" if databases.on_postgresql() else f"DROP TRIGGER {name}", ())


def test_verify_passes_on_a_clean_ledger(app, activity):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert _lines(result.output) == dict.fromkeys(CHECKS, "PASS")
    assert "FAIL" not in result.output


def test_verify_passes_on_the_demo_ledger(app):
    """seed-demo writes its history through the repositories: on PostgreSQL its system postings too
    are left for the sealer to fold, so the ledger it leaves verifies."""
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--months", "1"])
    assert seeded.exit_code == 0, seeded.output
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert _lines(result.output) == dict.fromkeys(CHECKS, "PASS")


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
        _drop_trigger("audit_log", "audit_log_no_update"),
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


def test_verify_detects_an_audit_record_edited_by_an_insider_who_puts_the_trigger_back(app, activity):
    with raw_connection(app) as db, db.trigger_lifted("audit_log", "audit_log_no_update"):
        assert db.execute("UPDATE audit_log SET outcome = 'tampered' WHERE id = 1").rowcount == 1
    result = _verify(app)
    assert result.exit_code == 1
    assert [name for name, status in _lines(result.output).items() if status == "FAIL"] == ["audit_chain_intact"]


def test_verify_detects_a_deleted_audit_record(app, activity):
    _tamper(
        app,
        _drop_trigger("audit_log", "audit_log_no_delete"),
        ("DELETE FROM audit_log WHERE id = 2", ()),
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert _lines(result.output)["audit_chain_intact"] == "FAIL"


def test_verify_detects_an_edited_posting(app, activity):
    _tamper(
        app,
        _drop_trigger("postings", "postings_no_update"),
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
    with raw_connection(app) as db, db.checks_lifted("accounts"):
        assert db.execute("UPDATE accounts SET balance_cents = -1 WHERE id = ?", (source["id"],)).rowcount == 1
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


def _failed(app) -> dict:
    return {name: state for name, state in _lines(_verify(app).output).items() if state == "FAIL"}


def test_a_hold_inserted_behind_the_applications_back_is_caught(app, activity):
    source, _ = activity
    _tamper(
        app,
        (
            "INSERT INTO holds (account_id, kind, amount_cents, reason, created_at)"
            " VALUES (?, 'staff_hold', 100, 'forged', '2026-01-01T00:00:00.000000Z')",
            (source["id"],),
        ),
    )
    assert _failed(app) == {"holds_audited": "FAIL"}


def test_a_reservation_edited_behind_the_applications_back_is_caught(app, activity):
    source, _ = activity
    _tamper(app, ("UPDATE accounts SET held_cents = 0 WHERE id = ?", (source["id"],)))
    assert _failed(app) == {"holds_match_reservations": "FAIL"}


def test_a_hold_released_behind_the_applications_back_is_caught(app, activity):
    _tamper(
        app,
        ("UPDATE holds SET status = 'voided', closed_at = '2026-01-01T00:00:00.000000Z' WHERE status = 'pending'", ()),
    )
    assert _failed(app) == {"holds_audited": "FAIL"}


def test_an_approval_forged_behind_the_applications_back_is_caught(app, activity, teller, admin):
    """Marked approved with a result naming no reversal of its entry: nothing was executed."""
    _tamper(
        app,
        (
            "INSERT INTO approvals (action, subject, requested_by, details, created_at) VALUES ('reversal',"
            " 'journal_entry:1', ?, '{\"entry_id\": 1, \"amount_cents\": 10000}', '2026-01-01T00:00:00.000000Z')",
            (teller[0].id,),
        ),
        (
            "UPDATE approvals SET status = 'approved', decided_by = ?, decided_at = '2026-01-01T00:00:01.000000Z',"
            " result = '{\"id\": 1}' WHERE status = 'pending'",
            (admin[0].id,),
        ),
    )
    assert _failed(app) == {"approvals_executed": "FAIL"}


def test_a_role_grant_approval_forged_behind_the_applications_back_is_caught(app, api, activity, admin):
    """Marked approved with a result naming the user, but no role change was ever made under it."""
    customer, _ = api.customer()
    requester, _ = api.staff("admin")
    _tamper(
        app,
        (
            "INSERT INTO approvals (action, subject, requested_by, details, created_at) VALUES ('role_grant', ?, ?, ?,"
            " '2026-01-01T00:00:00.000000Z')",
            (f"user:{customer['id']}", requester.id, f'{{"user_id": {customer["id"]}, "to_role": "admin"}}'),
        ),
        (
            "UPDATE approvals SET status = 'approved', decided_by = ?, decided_at = '2026-01-01T00:00:01.000000Z',"
            " result = ? WHERE status = 'pending'",
            (admin[0].id, f'{{"id": {customer["id"]}}}'),
        ),
    )
    assert _failed(app) == {"approvals_executed": "FAIL"}
