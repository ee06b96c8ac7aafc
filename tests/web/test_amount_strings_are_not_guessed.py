"""Web money forms read strict money strings (SPEC section 4): a misplaced comma or a foreign digit
is a 422 that moves nothing and says why in money, never a guess."""

from __future__ import annotations

import html

import pytest

from tests.conftest import PIN


@pytest.fixture
def account(web):
    user = web.customer("Alice Cooper")
    return web.account(user, 10_000)


def _state(web, account_id):
    balance = web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account_id)
    entries = web.sql("SELECT COUNT(*) FROM journal_entries")
    return balance, entries


def _refused(response, message):
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert message in body
    return body


def test_a_withdrawal_of_12_comma_50_is_refused_not_read_as_1250_dollars(web, account):
    before = _state(web, account.id)
    response = web.post(f"/accounts/{account.id}/withdraw", {"amount": "12,50", "pin": PIN}, htmx=True)
    _refused(response, "commas only between groups of three digits, a point before the cents")
    assert _state(web, account.id) == before == ([(10_000,)], [(1,)])


@pytest.mark.parametrize("amount", ["1,5", "１２", "1e3", "0x10", "-5", " 1 2", "1.005", ""])
def test_a_deposit_of_a_string_that_is_not_money_moves_nothing(web, account, amount):
    before = _state(web, account.id)
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": amount}, htmx=True)
    assert response.status_code == 422
    assert 'id="deposit-amount-error"' in response.get_data(as_text=True)
    assert _state(web, account.id) == before


def test_a_zero_deposit_must_be_at_least_one_cent(web, account):
    before = _state(web, account.id)
    _refused(web.post(f"/accounts/{account.id}/deposit", {"amount": "0.00"}, htmx=True), "must be at least 0.01")
    assert _state(web, account.id) == before


def test_too_large_a_deposit_says_the_most_in_money(web, account):
    before = _state(web, account.id)
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "10000000000.01"}, htmx=True)
    _refused(response, "must be at most 10,000,000,000.00")
    assert _state(web, account.id) == before


def test_a_dollar_sign_and_thousands_separators_are_read_exactly(web, account):
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "$1,234.50"}, htmx=True)
    assert response.status_code == 200
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(10_000 + 123_450,)]


def test_the_transfer_review_refuses_12_comma_50_with_every_bad_field(web, account):
    response = web.post(
        "/transfers/review",
        {"from_account_id": account.id, "to_account_number": "0000000000", "amount": "12,50", "memo": "Rent\tx"},
        htmx=True,
    )
    body = _refused(response, "commas only between groups of three digits")
    for field in ("amount", "to_account_number", "memo"):
        assert f'id="transfer-{field}-error"' in body
