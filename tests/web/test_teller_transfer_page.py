"""SPEC section 1 ("transfer on a customer's behalf") and section 10 on the teller desk: a teller moves
a customer's money from one of that customer's accounts, with the customer's PIN typed at the counter;
same account, another currency, more than is available and the teller's own account are refused on
the first step, before the PIN; customers cannot reach the page; a replayed submit moves money once."""

from __future__ import annotations

import html
import json

import pytest

from tests.conftest import PIN
from tests.web.test_mfa_pages import code_step, password_step, signed_up_with_a_factor

INTO_OWN_ACCOUNT = "This account is yours: staff never move a customer's money into an account of their own."


@pytest.fixture
def dana(web):
    user = web.user("Dana Scully")
    return {"user": user, "checking": web.account(user, 10_000), "savings": web.account(user, type="savings")}


@pytest.fixture
def bob(web):
    return web.account(web.user("Bob Barker"))


def _path(customer, step=""):
    return f"/teller/customers/{customer.id}/transfer{step}"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _review(web, dana, **fields):
    data = {"from_account_id": dana["checking"].id, "amount": "25.00", "memo": "", **fields}
    return web.post(_path(dana["user"], "/review"), data, htmx=True)


def _confirm(web, dana, to_number, *, pin=PIN, key="k-1", amount="25.00", htmx=True, source=None):
    form = {
        "from_account_id": (source or dana["checking"]).id,
        "to_account_number": to_number,
        "holder": "Bob B.",
        "amount": amount,
        "memo": "Rent",
        "pin": pin,
        "idempotency_key": key,
    }
    return web.post(_path(dana["user"]), form, htmx=htmx)


def _toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def _balances(web, *accounts) -> list[int]:
    return [web.sql("SELECT balance_cents FROM accounts WHERE id = ?", a.id)[0][0] for a in accounts]


def _transfers(web) -> list[tuple]:
    return web.sql(
        "SELECT status, actor_id, account_id, counterparty_account_id FROM journal_entries WHERE kind = ?", "transfer"
    )


# --- the page ---


def test_the_customer_page_offers_a_transfer_from_each_active_account(web, dana):
    web.staff("teller")
    page = web.client.get(f"/teller/customers/{dana['user'].id}").get_data(as_text=True)
    for account in (dana["checking"], dana["savings"]):
        assert f'href="/teller/customers/{dana["user"].id}/transfer?from_account_id={account.id}"' in page


def test_the_page_names_the_customer_and_offers_only_their_accounts_with_what_is_available(web, dana, bob):
    web.staff("teller")
    response = web.client.get(_path(dana["user"]), query_string={"from_account_id": dana["checking"].id})
    assert response.status_code == 200
    page = _text(response)
    assert "<h1>Transfer for Dana Scully</h1>" in page
    checking, savings = dana["checking"].number[-4:], dana["savings"].number[-4:]
    assert f'<option value="{dana["checking"].id}" selected>Checking ···{checking} · $100.00 available</option>' in page
    assert f'<option value="{dana["savings"].id}">Savings ···{savings} · $0.00 available</option>' in page
    assert f'value="{bob.id}"' not in page
    assert '<label for="transfer-to_own_account">To another of their accounts</label>' in page
    assert 'name="pin"' not in page
    assert 'aria-current="page">Teller desk</a>' in page  # staff navigation, apart from "My banking"


def test_a_source_account_of_another_customer_is_refused(web, dana, bob):
    web.staff("teller")
    response = _review(web, dana, from_account_id=bob.id, to_account_number=dana["savings"].number)
    assert response.status_code == 422
    assert "choose one of Dana Scully's accounts" in _text(response)
    forged = _confirm(web, dana, dana["savings"].number, source=bob)
    assert forged.status_code == 422
    assert _transfers(web) == []


# --- money moves, named in words, audited as the teller's ---


def test_a_teller_moves_money_between_a_customers_accounts(web, dana):
    teller = web.staff("teller")
    checking, savings = dana["checking"], dana["savings"]
    review = _review(web, dana, to_own_account=savings.number, to_account_number="")
    assert review.status_code == 200
    body = _text(review)
    assert f"From Dana S.'s Checking ···{checking.number[-4:]} to their Savings ···{savings.number[-4:]}" in body
    assert "Customer's PIN" in body and "The customer types the PIN of the sending account here themselves" in body
    response = _confirm(web, dana, savings.number)
    assert response.status_code == 200
    assert _toast(response) == (
        f"Sent $25.00 from Dana S.'s Checking ···{checking.number[-4:]} to their Savings ···{savings.number[-4:]}."
    )
    assert "Transfer sent" in _text(response)
    assert _balances(web, checking, savings) == [7_500, 2_500]
    assert _transfers(web) == [("posted", teller.id, checking.id, savings.id)]
    assert web.sql("SELECT actor_id, outcome FROM audit_log WHERE action = 'transfer'") == [(teller.id, "success")]


def test_a_teller_sends_a_customers_money_to_another_customer(web, dana, bob):
    teller = web.staff("teller")
    checking = dana["checking"]
    review = _review(web, dana, to_account_number=bob.number)
    assert review.status_code == 200
    body = _text(review)
    assert "Check and confirm" in body and 'name="pin"' in body
    assert f"From Dana S.'s Checking ···{checking.number[-4:]} to Bob B. (···{bob.number[-4:]})" in body
    response = _confirm(web, dana, bob.number)
    assert response.status_code == 200
    assert (
        _toast(response)
        == f"Sent $25.00 from Dana S.'s Checking ···{checking.number[-4:]} to Bob B. (···{bob.number[-4:]})."
    )
    assert _balances(web, checking, bob) == [7_500, 2_500]
    assert _transfers(web) == [("posted", teller.id, checking.id, bob.id)]
    assert web.sql("SELECT actor_id, outcome FROM audit_log WHERE action = 'transfer'") == [(teller.id, "success")]


def test_without_javascript_the_transfer_lands_back_on_the_customer_page_with_the_message(web, dana, bob):
    web.staff("teller")
    response = _confirm(web, dana, bob.number, htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/teller/customers/{dana['user'].id}"
    page = _text(web.client.get(response.headers["Location"]))
    assert f"Sent $25.00 from Dana S.'s Checking ···{dana['checking'].number[-4:]} to Bob B." in page
    assert _balances(web, dana["checking"], bob) == [7_500, 2_500]


def test_edit_details_goes_back_to_the_form_with_the_recipient_confirmed(web, dana, bob):
    web.staff("teller")
    data = {
        "from_account_id": dana["checking"].id,
        "to_account_number": bob.number,
        "holder": "Bob B.",
        "amount": "25.00",
    }
    body = _text(web.post(_path(dana["user"], "/edit"), data, htmx=True))
    assert "Account holder: Bob B." in body
    assert f'value="{bob.number}"' in body and 'value="25.00"' in body


# --- refused ---


def test_a_wrong_pin_is_refused_and_nothing_moves(web, dana, bob):
    web.staff("teller")
    response = _confirm(web, dana, bob.number, pin="0000")
    assert response.status_code == 403
    body = _text(response)
    assert "Check and confirm" in body and 'id="confirm-pin-error"' in body
    assert "Wrong PIN: 2 attempts left" in body
    assert f"From Dana S.'s Checking ···{dana['checking'].number[-4:]} to Bob B." in body
    assert _balances(web, dana["checking"], bob) == [10_000, 0]
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'transfer' AND status = 'posted'") == [(0,)]


def test_the_same_account_is_refused_before_the_pin(web, dana):
    web.staff("teller")
    response = _review(web, dana, to_account_number=dana["checking"].number)
    assert response.status_code == 422
    body = _text(response)
    assert "this is the account you are sending from" in body
    assert 'name="pin"' not in body and "Who gets the money?" in body
    assert _transfers(web) == []


def test_more_than_is_available_is_refused_before_the_pin(web, dana, bob):
    web.staff("teller")
    response = _review(web, dana, to_account_number=bob.number, amount="100.01")
    assert response.status_code == 422
    body = _text(response)
    assert "more than the $100.00 available in this account" in body
    assert 'name="pin"' not in body
    assert _balances(web, dana["checking"], bob) == [10_000, 0]


def test_another_customers_account_in_another_currency_is_refused_before_the_pin(web, services, dana):
    euro_holder = web.user("Eve Euro")
    euros = services.accounts.open(web.actor(euro_holder), "checking", PIN, currency="EUR")
    web.staff("teller")
    response = _review(web, dana, to_account_number=euros.number)
    assert response.status_code == 422
    body = _text(response)
    assert 'id="transfer-to_account_number-error"' in body
    assert "The two accounts hold different currencies." in body
    assert 'name="pin"' not in body


def test_into_the_tellers_own_account_is_refused_before_the_pin_and_audited(web, dana):
    teller = web.staff("teller")
    own = web.account(teller)
    response = _review(web, dana, to_account_number=own.number)
    assert response.status_code == 403
    body = _text(response)
    assert INTO_OWN_ACCOUNT in body and 'id="transfer-to_account_number-error"' in body
    assert 'name="pin"' not in body
    page = web.post(
        _path(dana["user"], "/review"),
        {"from_account_id": dana["checking"].id, "to_account_number": own.number, "amount": "25.00"},
    )
    assert page.status_code == 403
    assert INTO_OWN_ACCOUNT in _text(page) and "<h1>Transfer for Dana Scully</h1>" in _text(page)
    denied = "SELECT action, resource_id, details FROM audit_log WHERE actor_id = ? AND outcome = 'denied'"
    assert [(a, r, json.loads(d)["reason"]) for a, r, d in web.sql(denied, teller.id)] == [
        ("transfer", str(dana["checking"].id), "own_account"),
        ("transfer", str(dana["checking"].id), "own_account"),
    ]
    assert _balances(web, dana["checking"], own) == [10_000, 0]


def test_a_confirm_forged_into_the_tellers_own_account_is_refused_by_the_service(web, dana):
    teller = web.staff("teller")
    own = web.account(teller)
    response = _confirm(web, dana, own.number)  # the right PIN, past the review step
    assert response.status_code == 403
    assert INTO_OWN_ACCOUNT in _text(response)
    assert _balances(web, dana["checking"], own) == [10_000, 0]
    assert _transfers(web) == []


@pytest.mark.parametrize(("method", "step"), [("get", ""), ("post", "/review"), ("post", "/edit"), ("post", "")])
def test_a_customer_cannot_reach_the_page(web, dana, bob, method, step):
    mallory = web.customer("Mallory")
    path = _path(dana["user"], step)
    form = {
        "from_account_id": dana["checking"].id,
        "to_account_number": bob.number,
        "amount": "25.00",
        "pin": PIN,
        "idempotency_key": "m-1",
    }
    response = web.client.get(path) if method == "get" else web.post(path, form)
    assert response.status_code == 403
    assert "Transfer for Dana Scully" not in _text(response)
    assert _balances(web, dana["checking"], bob) == [10_000, 0]
    assert web.sql("SELECT action, outcome FROM audit_log WHERE actor_id = ? ORDER BY id", mallory.id)[-1] == (
        "user.read",
        "denied",
    )


# --- once, and step-up ---


def test_a_replayed_submit_with_the_same_key_moves_money_once(web, dana, bob):
    web.staff("teller")
    assert _confirm(web, dana, bob.number, key="same").status_code == 200
    again = _confirm(web, dana, bob.number, key="same")
    assert again.status_code == 200
    assert _toast(again) == "That transfer was already submitted; nothing was moved twice."
    assert "Already sent" in _text(again)
    assert _balances(web, dana["checking"], bob) == [7_500, 2_500]
    assert len(_transfers(web)) == 1


def test_a_teller_with_a_factor_gives_their_own_code_for_a_large_transfer(web, totp, bob):
    customer = web.user("Carl Customer")
    source = web.account(customer, 500_000)
    teller, secret, _ = signed_up_with_a_factor(web, totp, "Tess Teller", role="teller")
    assert code_step(web, password_step(web, teller), totp.code(secret)).status_code == 303
    carl = {"user": customer, "checking": source}
    assert "Your code from your authenticator app" in _text(
        _review(web, carl, to_account_number=bob.number, amount="1000.00")
    )
    assert 'name="otp"' not in _text(_review(web, carl, to_account_number=bob.number, amount="999.99"))
    without = _confirm(web, carl, bob.number, amount="1500.00", key="big-1")
    assert without.status_code == 403
    assert 'id="confirm-otp-error"' in _text(without)
    assert _balances(web, source, bob) == [500_000, 0]
    form = {
        "from_account_id": source.id,
        "to_account_number": bob.number,
        "amount": "1500.00",
        "pin": PIN,
        "otp": totp.code(secret),
        "idempotency_key": "big-2",
    }
    assert web.post(_path(customer), form, htmx=True).status_code == 200
    assert _balances(web, source, bob) == [350_000, 150_000]
