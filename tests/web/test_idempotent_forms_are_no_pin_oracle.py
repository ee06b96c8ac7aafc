"""SPEC section 4, "PIN oracle", on the web forms: a resubmitted money form that differs only in its
PIN gets the stored outcome; another amount under the same key is refused and audited."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PIN

WRONG_PIN = "9999"


@pytest.fixture
def alice(web):
    user = web.customer("Alice Cooper")
    return {"user": user, "account": web.account(user, 10_000)}


@pytest.fixture
def bob_account(web):
    return web.account(web.user("Bob Dylan"))


def _withdraw(web, alice, pin, key="form-w"):
    path = f"/accounts/{alice['account'].id}/withdraw"
    return web.post(path, {"amount": "10.00", "pin": pin, "idempotency_key": key}, htmx=True)


def _money(web, alice, bob_account):
    """(Alice's balance, her PIN failures, Bob's balance, transfer entries)."""
    [(balance, failures)] = web.sql(
        "SELECT balance_cents, pin_failures FROM accounts WHERE id = ?", alice["account"].id
    )
    [(bob_balance,)] = web.sql("SELECT balance_cents FROM accounts WHERE id = ?", bob_account.id)
    [(transfers,)] = web.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'transfer'")
    return balance, failures, bob_balance, transfers


def test_a_transfer_resubmitted_with_a_wrong_pin_gets_the_stored_outcome(web, alice, bob_account):
    assert web.confirm_transfer(alice["account"], bob_account, PIN, key="form-1").status_code == 200
    again = web.confirm_transfer(alice["account"], bob_account, WRONG_PIN, key="form-1")
    assert again.status_code == 200
    assert json.loads(again.headers["HX-Trigger"])["toast"]["message"] == (
        "That transfer was already submitted; nothing was moved twice."
    )
    assert _money(web, alice, bob_account) == (7_500, 0, 2_500, 1)


def test_a_resubmitted_withdrawal_answers_a_wrong_pin_exactly_like_the_right_one(web, alice, bob_account):
    assert _withdraw(web, alice, PIN).status_code == 200
    wrong, right = _withdraw(web, alice, WRONG_PIN), _withdraw(web, alice, PIN)
    assert (wrong.status_code, wrong.headers["HX-Trigger"]) == (right.status_code, right.headers["HX-Trigger"])
    assert wrong.status_code == 200
    assert _money(web, alice, bob_account)[:2] == (9_000, 0)


def test_a_wrong_pin_first_is_counted_then_the_right_pin_on_the_same_form_moves_the_money(web, alice, bob_account):
    wrong = web.confirm_transfer(alice["account"], bob_account, WRONG_PIN, key="form-1")
    assert wrong.status_code == 403
    assert "Wrong PIN: 2 attempts left" in wrong.get_data(as_text=True)
    assert _money(web, alice, bob_account) == (10_000, 1, 0, 0)
    right = web.confirm_transfer(alice["account"], bob_account, PIN, key="form-1")
    assert right.status_code == 200
    assert json.loads(right.headers["HX-Trigger"])["toast"]["message"].startswith("Sent $25.00")
    assert _money(web, alice, bob_account) == (7_500, 0, 2_500, 1)


def test_a_form_key_reused_with_another_amount_is_422_and_audited(web, alice, bob_account):
    assert web.confirm_transfer(alice["account"], bob_account, PIN, key="form-r").status_code == 200
    reused = web.confirm_transfer(alice["account"], bob_account, PIN, key="form-r", amount="26.00")
    assert reused.status_code == 422
    assert _money(web, alice, bob_account) == (7_500, 0, 2_500, 1)
    rows = web.sql(
        "SELECT actor_id, outcome, resource_type, details FROM audit_log WHERE action = 'idempotency.reused'"
    )
    assert [(*row[:3], json.loads(row[3])["key"]) for row in rows] == [
        (alice["user"].id, "denied", "idempotency_key", "web:form-r")
    ]
