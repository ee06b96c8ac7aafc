"""SPEC section 4, "PIN oracle": the idempotency fingerprint leaves the PIN out, so a known key never
tells a right PIN from a wrong one; a key reused with another request is audited."""

import pytest

from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PIN

WRONG_PIN = "9999"


@pytest.fixture
def customer(api):
    _, headers = api.customer()
    return headers, api.funded_account(headers, 10_000), api.account(headers, type="savings")


def _withdraw(client, headers, account, pin, key="w-1", amount_cents=1_000):
    return client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals",
        json={"amount_cents": amount_cents, "pin": pin},
        headers={**headers, "Idempotency-Key": key},
    )


def _state(app, account_id):
    """(balance, PIN failures, PIN locked, journal entries) of the account, read behind the app's back."""
    conn = raw_connection(app)
    try:
        row = conn.execute("SELECT balance_cents, pin_failures, pin_locked FROM accounts WHERE id = ?", (account_id,))
        balance, failures, locked = row.fetchone()
        entries = conn.execute("SELECT COUNT(*) FROM journal_entries WHERE account_id = ?", (account_id,)).fetchone()
        return balance, failures, locked, entries[0]
    finally:
        conn.close()


def test_a_wrong_pin_after_the_right_one_gets_the_stored_answer_not_key_reused(app, client, customer):
    headers, account, _ = customer
    first = _withdraw(client, headers, account, PIN)
    retry = _withdraw(client, headers, account, WRONG_PIN)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json == first.json
    # Answered from the store: the wrong PIN was never checked, so nothing was counted or moved twice.
    assert _state(app, account["id"]) == (9_000, 0, 0, 2)


def test_the_right_pin_after_the_right_one_answers_exactly_like_a_wrong_one(client, customer):
    headers, account, _ = customer
    assert _withdraw(client, headers, account, PIN).status_code == 201
    wrong = _withdraw(client, headers, account, WRONG_PIN)
    right = _withdraw(client, headers, account, PIN)
    assert (wrong.status_code, wrong.json, wrong.headers["Idempotent-Replayed"]) == (
        right.status_code,
        right.json,
        right.headers["Idempotent-Replayed"],
    )


def test_a_wrong_pin_first_is_counted_and_stores_nothing_then_the_right_pin_moves_the_money(app, client, customer):
    headers, account, _ = customer
    wrong = _withdraw(client, headers, account, WRONG_PIN)
    assert assert_problem(wrong, 403, "invalid_pin")["attempts_remaining"] == 2
    assert _state(app, account["id"]) == (10_000, 1, 0, 1)
    right = _withdraw(client, headers, account, PIN)
    assert right.status_code == 201 and "Idempotent-Replayed" not in right.headers
    assert _state(app, account["id"]) == (9_000, 0, 0, 2)  # a correct PIN resets the count


def test_two_different_wrong_pins_on_one_key_are_both_checked_and_counted(app, client, customer):
    headers, account, _ = customer
    assert assert_problem(_withdraw(client, headers, account, "1111"), 403, "invalid_pin")["attempts_remaining"] == 2
    assert assert_problem(_withdraw(client, headers, account, "2222"), 403, "invalid_pin")["attempts_remaining"] == 1
    assert _state(app, account["id"]) == (10_000, 2, 0, 1)


def test_a_stored_decline_is_replayed_whatever_the_pin(app, client, customer):
    headers, account, _ = customer
    declined = assert_problem(_withdraw(client, headers, account, PIN, amount_cents=50_000), 422, "insufficient_funds")
    retry = _withdraw(client, headers, account, WRONG_PIN, amount_cents=50_000)
    assert assert_problem(retry, 422, "insufficient_funds", replayed=True) == declined
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _state(app, account["id"]) == (10_000, 0, 0, 2)  # the funding deposit and the one decline


def test_a_transfer_retried_with_another_pin_is_replayed_and_moves_money_once(api, client, customer):
    headers, source, target = customer
    first = api.transfer(headers, source["id"], target["number"], 2_500, pin=PIN, **{"Idempotency-Key": "t"})
    retry = api.transfer(headers, source["id"], target["number"], 2_500, pin=WRONG_PIN, **{"Idempotency-Key": "t"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json == first.json
    assert api.get_account(headers, source["id"])["balance_cents"] == 7_500
    assert api.get_account(headers, target["id"])["balance_cents"] == 2_500


def test_a_card_purchase_retried_with_another_pin_is_replayed(api, client, customer):
    headers, account, _ = customer
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    path = f"/api/v1/cards/{card['id']}/purchases"
    key = {**headers, "Idempotency-Key": "p"}
    first = client.post(path, json={"amount_cents": 700, "merchant": "Cafe", "pin": PIN}, headers=key)
    retry = client.post(path, json={"amount_cents": 700, "merchant": "Cafe", "pin": WRONG_PIN}, headers=key)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json == first.json
    assert api.get_account(headers, account["id"])["balance_cents"] == 9_300


def test_a_key_reused_with_another_amount_is_422_and_audited(app, client, customer, audit):
    headers, account, _ = customer
    assert _withdraw(client, headers, account, PIN, key="r").status_code == 201
    reused = _withdraw(client, headers, account, PIN, key="r", amount_cents=1_001)
    assert_problem(reused, 422, "idempotency_key_reused")
    assert _state(app, account["id"]) == (9_000, 0, 0, 2)
    records = audit(action="idempotency.reused")
    assert [(r["outcome"], r["resource_type"], r["details"]["key"]) for r in records] == [
        ("denied", "idempotency_key", "r")
    ]
