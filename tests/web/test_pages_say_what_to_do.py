"""Issue 14, item 16: pages say what happened and what to do next, to the person in front of them."""

from __future__ import annotations

import pytest

from entities.errors import AccountLocked, InvalidPin
from tests.conftest import PIN


def test_a_teller_paying_out_on_a_pin_locked_account_is_told_to_unlock_it(web):
    customer = web.user("Grace Hopper")
    account = web.account(customer, 10_000)
    for _ in range(3):
        with pytest.raises((InvalidPin, AccountLocked)):  # wrong PINs: the third locks the account
            web.services.ledger.withdraw(web.actor(customer), account.id, 100, "9999")
    web.staff("teller")
    response = web.post(
        f"/teller/customers/{customer.id}/cash",
        {"account_id": account.id, "amount": "10.00", "pin": PIN, "op": "withdraw"},
        htmx=True,
    )
    assert response.status_code == 423
    body = response.get_data(as_text=True)
    assert "Lift the lock with Unlock PIN on the customer" in body
    assert "A teller can unlock it" not in body


def test_the_teller_cash_form_keeps_the_pin_with_the_pay_out(web, client):
    customer = web.user("Grace Hopper")
    web.account(customer)
    web.staff("teller")
    html = client.get(f"/teller/customers/{customer.id}").get_data(as_text=True)
    assert html.index('value="deposit"') < html.index('<fieldset class="payout">') < html.index('id="cash-pin"')


def test_an_unknown_page_says_so_in_words(web, client):
    web.customer()
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "We can&#39;t find that page" in body
    assert "requested URL was not found on the server" not in body


def test_the_statement_names_its_holder_and_money_out_has_no_minus(web, client):
    user = web.customer("Dana Scully")
    account = web.account(user, 100_000)
    web.services.ledger.withdraw(web.actor(user), account.id, 661_53, PIN)
    html = client.get(f"/statements?account_id={account.id}").get_data(as_text=True)
    assert "<strong>Dana Scully</strong>" in html
    assert "<dt>Money out</dt><dd>$661.53</dd>" in html
