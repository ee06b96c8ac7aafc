"""The web forms apply the same email and text rules as the API (SPEC section 2) and report every
bad field at once (SPEC section 9)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

HIDDEN = ["\t", "\n", "\x00", "\x1b", "\x7f", "\u202e", "\u200b"]


def _users(web) -> int:
    return web.sql("SELECT COUNT(*) FROM users")[0][0]


def test_register_shows_every_bad_field_at_once_and_registers_nobody(web):
    response = web.post(
        "/register", {"email": "alice\x00@example.com", "password": "short", "full_name": "  "}, htmx=True
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for field in ("email", "password", "full_name"):
        assert f'id="register-{field}-error"' in body
    assert "must not contain spaces, control or invisible characters" in body
    assert _users(web) == 0


@pytest.mark.parametrize(
    "email", ["ali\u200bce@example.com", "\u202ealice@example.com", "alice@example", "a b@example.com"]
)
def test_register_refuses_a_bad_email_next_to_the_field(web, email):
    response = web.post("/register", {"email": email, "password": PASSWORD, "full_name": "Alice"}, htmx=True)
    assert response.status_code == 422
    assert 'id="register-email-error"' in response.get_data(as_text=True)
    assert _users(web) == 0


def test_register_accepts_a_100_character_name_padded_with_spaces(web):
    response = web.post(
        "/register", {"email": "Pad@Example.com", "password": PASSWORD, "full_name": "  " + "N" * 100 + " "}
    )
    assert response.status_code == 303
    assert web.sql("SELECT email, full_name FROM users") == [("pad@example.com", "N" * 100)]


@pytest.mark.parametrize("character", HIDDEN)
def test_a_deposit_memo_with_a_hidden_character_is_422_and_moves_nothing(web, character):
    account = web.account(web.customer(), 10_000)
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "5.00", "memo": f"Rent{character}"}, htmx=True)
    assert response.status_code == 422
    assert 'id="deposit-memo-error"' in response.get_data(as_text=True)
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(10_000,)]
    assert web.sql("SELECT COUNT(*) FROM journal_entries") == [(1,)]


def test_a_deposit_memo_is_trimmed(web):
    account = web.account(web.customer(), 10_000)
    assert (
        web.post(f"/accounts/{account.id}/deposit", {"amount": "5.00", "memo": "  Rent  "}, htmx=True).status_code
        == 200
    )
    assert web.sql("SELECT memo FROM journal_entries ORDER BY id DESC LIMIT 1") == [("Rent",)]


def test_a_profile_name_with_a_zero_width_space_is_refused(web):
    user = web.customer("Alice Cooper")
    response = web.post("/settings/profile", {"full_name": "Ali\u200bce", "timezone": "UTC"}, htmx=True)
    assert response.status_code == 422
    assert 'id="profile-full_name-error"' in response.get_data(as_text=True)
    assert web.sql("SELECT full_name FROM users WHERE id = ?", user.id) == [("Alice Cooper",)]
