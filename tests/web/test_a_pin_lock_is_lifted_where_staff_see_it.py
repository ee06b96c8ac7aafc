"""SPEC section 10 (review of issue 14, item 3): a PIN-locked account's page tells staff plainly and
offers Unlock PIN right there (the teller desk's unlock route); the customer reads who can lift it."""

from __future__ import annotations

import json

import pytest

from entities.errors import AccountLocked, InvalidPin

STAFF_WORDS = "Three wrong PINs locked this account: withdrawals and transfers wait until the lock is lifted."


@pytest.fixture
def locked(web):
    customer = web.user("Grace Hopper")
    account = web.account(customer, 10_000)
    for _ in range(3):  # the third wrong PIN locks the account
        with pytest.raises((InvalidPin, AccountLocked)):
            web.services.ledger.withdraw(web.actor(customer), account.id, 100, "9999")
    return customer, account


def test_staff_see_the_lock_in_words_and_an_unlock_pin_button_on_the_account_page(web, client, locked):
    _, account = locked
    web.staff("teller")
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert STAFF_WORDS in html
    assert "Check with the customer first, then lift it here." in html
    assert f'hx-post="/teller/accounts/{account.id}/unlock" hx-swap="none"' in html
    button = f'Unlock PIN<span class="visually-hidden"> of account {account.number}</span></button>'
    assert f'<button type="submit" class="button-small">{button}' in html
    assert "A teller can unlock it." not in html


def test_the_button_lifts_the_lock_and_the_balances_refresh_without_it(web, client, locked):
    _, account = locked
    web.staff("teller")
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert 'hx-trigger="balance-changed from:body, customer-changed from:body"' in html  # the desk route's event
    response = web.post(f"/teller/accounts/{account.id}/unlock", htmx=True)
    assert response.status_code == 200
    assert "customer-changed" in json.loads(response.headers["HX-Trigger"])
    summary = client.get(f"/accounts/{account.id}/summary").get_data(as_text=True)
    assert "PIN locked" not in summary and "Unlock PIN" not in summary


def test_the_customer_reads_who_can_lift_the_lock_and_gets_no_button(web, client, locked):
    customer, account = locked
    web.login(customer)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert (
        "Three wrong PINs locked this account: withdrawals and transfers wait until the lock is lifted. "
        "A teller can lift it: ask at the counter or call the bank."
    ) in html
    assert "/unlock" not in html
