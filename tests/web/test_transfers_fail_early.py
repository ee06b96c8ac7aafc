"""SPEC section 10, "Failing early": a transfer to the same account, into an account (one's own or
another customer's) of another currency, or over the available balance is refused on the first step,
before the PIN; transfers between one's own accounts pick the target from a list and say so; "Edit
details" keeps the recipient."""

from __future__ import annotations

import json

import pytest

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(web):
    user = web.customer("Alice Cooper")
    return {"user": user, "checking": web.account(user, 10_000), "savings": web.account(user, type="savings")}


def review(web, source, **fields):
    data = {"from_account_id": source.id, "amount": "25.00", "memo": "", **fields}
    return web.post("/transfers/review", data, htmx=True)


def test_a_transfer_to_the_same_account_is_refused_before_the_pin(web, alice):
    response = review(web, alice["checking"], to_account_number=alice["checking"].number)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "this is the account you are sending from" in body
    assert 'name="pin"' not in body and "Who gets the money?" in body


def test_another_customers_account_in_another_currency_is_refused_before_the_pin(web, alice):
    bob = web.user("Bob Builder")
    euros = web.services.accounts.open(web.actor(bob), "checking", "1234", currency="EUR")
    before = web.snapshot()
    response = review(web, alice["checking"], to_account_number=euros.number)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The two accounts hold different currencies." in body
    assert 'name="pin"' not in body and "Who gets the money?" in body
    assert web.snapshot() == before  # nothing moved, nothing recorded


def test_more_than_is_available_is_refused_before_the_pin_and_says_how_much_is(web, alice):
    response = review(web, alice["checking"], to_account_number=alice["savings"].number, amount="100.01")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "more than the $100.00 available in this account" in body
    assert 'name="pin"' not in body


def test_exactly_the_balance_goes_on_to_the_confirmation(web, alice):
    response = review(web, alice["checking"], to_account_number=alice["savings"].number, amount="100.00")
    assert response.status_code == 200
    assert 'name="pin"' in response.get_data(as_text=True)


def test_ones_own_accounts_are_picked_from_a_list(web, client, alice):
    form = client.get("/transfers/new").get_data(as_text=True)
    assert '<select id="transfer-to_own_account" name="to_own_account">' in form
    assert f'<option value="{alice["savings"].number}">Savings ···{alice["savings"].number[-4:]}</option>' in form
    response = review(web, alice["checking"], to_own_account=alice["savings"].number, to_account_number="")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'name="to_account_number" value="{alice["savings"].number}"' in body
    assert "Alice C." in body


def test_a_single_account_holder_gets_no_list(web):
    user = web.customer("Solo Saver")
    web.account(user, 5_000)
    assert "to_own_account" not in web.client.get("/transfers/new").get_data(as_text=True)


def test_edit_details_keeps_the_recipient_confirmed(web, alice):
    data = {
        "from_account_id": alice["checking"].id,
        "to_account_number": alice["savings"].number,
        "holder": "Alice C.",
        "amount": "25.00",
        "memo": "",
    }
    body = web.post("/transfers/edit", data, htmx=True).get_data(as_text=True)
    assert "Account holder: Alice C." in body
    assert f'value="{alice["savings"].number}"' in body


def test_a_transfer_between_ones_own_accounts_names_the_account_not_oneself(web, alice):
    response = web.confirm_transfer(alice["checking"], alice["savings"])
    assert response.status_code == 200
    toast = json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    assert toast == f"Moved $25.00 to your Savings ···{alice['savings'].number[-4:]}."
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", alice["savings"].id) == [(2_500,)]
