"""SPEC 15 step-up: a transfer or withdrawal of at least STEP_UP_CENTS by a user with a factor needs
`otp`; missing is 403 mfa_required, wrong 401 invalid_code counted toward the PIN lock, checked
before the PIN; nothing is a ledger decline."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PIN
from tests.support.totp import enrol

STEP_UP = 100_000


@pytest.fixture
def enrolled(client, api, totp):
    """(headers, funded account, a second account of the same customer, secret)."""
    user, headers = api.customer()
    account = api.funded_account(headers, 500_000)
    other = api.account(headers, type="savings")
    secret, _ = enrol(client, headers, totp)
    return headers, account, other, secret


def _withdraw(client, headers, account_id, amount, **extra):
    body = {"amount_cents": amount, "pin": PIN, **extra}
    return client.post(f"/api/v1/accounts/{account_id}/withdrawals", json=body, headers=headers)


def _transfer(client, headers, source, target, amount, **extra):
    body = {"from_account_id": source["id"], "to_account_number": target["number"], "amount_cents": amount, "pin": PIN}
    return client.post("/api/v1/transfers", json={**body, **extra}, headers=headers)


def _ledger_rows(app) -> int:
    with raw_connection(app) as db:
        return db.one("SELECT COUNT(*) FROM journal_entries")


def test_at_the_threshold_a_missing_code_is_403_and_nothing_is_recorded(client, api, app, enrolled):
    headers, account, other, secret = enrolled
    before = _ledger_rows(app)
    assert_problem(_withdraw(client, headers, account["id"], STEP_UP), 403, "mfa_required")
    assert_problem(_transfer(client, headers, account, other, STEP_UP), 403, "mfa_required")
    assert _ledger_rows(app) == before  # not a ledger decline either
    assert api.get_account(headers, account["id"])["balance_cents"] == 500_000


def test_just_under_the_threshold_needs_no_code(client, api, enrolled):
    headers, account, other, secret = enrolled
    assert _withdraw(client, headers, account["id"], STEP_UP - 1).status_code == 201
    assert _transfer(client, headers, account, other, STEP_UP - 1).status_code == 201
    assert api.get_account(headers, account["id"])["balance_cents"] == 500_000 - 2 * (STEP_UP - 1)


def test_with_a_right_code_the_money_moves(client, api, enrolled, totp):
    headers, account, other, secret = enrolled
    assert _withdraw(client, headers, account["id"], STEP_UP, otp=totp.code(secret)).status_code == 201
    assert _transfer(client, headers, account, other, STEP_UP, otp=totp.code(secret)).status_code == 201
    assert api.get_account(headers, account["id"])["balance_cents"] == 500_000 - 2 * STEP_UP
    assert api.get_account(headers, other["id"])["balance_cents"] == STEP_UP


def test_a_spent_code_is_refused(client, api, enrolled, totp):
    headers, account, other, secret = enrolled
    code = totp.code(secret)
    assert _withdraw(client, headers, account["id"], STEP_UP, otp=code).status_code == 201
    assert_problem(_withdraw(client, headers, account["id"], STEP_UP, otp=code), 401, "invalid_code")
    assert api.get_account(headers, account["id"])["balance_cents"] == 500_000 - STEP_UP


def test_wrong_codes_count_toward_the_pin_lock_and_a_right_pin_does_not_reset_them(client, api, app, enrolled):
    headers, account, other, secret = enrolled
    before = _ledger_rows(app)
    first = assert_problem(_transfer(client, headers, account, other, STEP_UP, otp="000000"), 401, "invalid_code")
    assert first["attempts_remaining"] == 2
    # A wrong code with the right PIN: counted, and the right PIN does not reset the count.
    second = assert_problem(_withdraw(client, headers, account["id"], STEP_UP, otp="111111"), 401, "invalid_code")
    assert second["attempts_remaining"] == 1
    assert api.get_account(headers, account["id"])["pin_locked"] is False
    assert_problem(_withdraw(client, headers, account["id"], STEP_UP, otp="222222"), 401, "invalid_code")
    assert api.get_account(headers, account["id"])["pin_locked"] is True
    assert _ledger_rows(app) == before
    assert api.get_account(headers, account["id"])["balance_cents"] == 500_000


def test_the_code_is_checked_before_the_pin(client, api, enrolled, totp):
    headers, account, other, secret = enrolled
    response = _withdraw(client, headers, account["id"], STEP_UP, pin="9999")
    assert_problem(response, 403, "mfa_required")  # no PIN attempt counted
    response = _withdraw(client, headers, account["id"], STEP_UP, pin="9999", otp="000000")
    assert_problem(response, 401, "invalid_code")
    response = _withdraw(client, headers, account["id"], STEP_UP, pin="9999", otp=totp.code(secret))
    assert_problem(response, 403, "invalid_pin")


def test_a_right_pin_resets_the_count_only_with_a_right_code(client, api, enrolled, totp):
    headers, account, other, secret = enrolled
    assert_problem(_withdraw(client, headers, account["id"], STEP_UP, otp="000000"), 401, "invalid_code")
    assert _withdraw(client, headers, account["id"], STEP_UP, otp=totp.code(secret)).status_code == 201
    # The count is back at zero: three more wrong PINs are needed to lock.
    for remaining in (2, 1):
        body = assert_problem(_withdraw(client, headers, account["id"], 100, pin="9999"), 403, "invalid_pin")
        assert body["attempts_remaining"] == remaining


def test_a_user_without_a_factor_needs_no_code(client, api):
    user, headers = api.customer()
    account = api.funded_account(headers, 500_000)
    assert _withdraw(client, headers, account["id"], STEP_UP * 2).status_code == 201


def test_an_idempotent_retry_with_a_new_code_gets_the_stored_answer(client, api, enrolled, totp):
    headers, account, other, secret = enrolled
    keyed = {**headers, "Idempotency-Key": "step-up-1"}
    first = _withdraw(client, keyed, account["id"], STEP_UP, otp=totp.code(secret))
    assert first.status_code == 201
    again = _withdraw(client, keyed, account["id"], STEP_UP, otp=totp.code(secret))
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    assert api.get_account(headers, account["id"])["balance_cents"] == 500_000 - STEP_UP
