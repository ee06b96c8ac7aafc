"""The account page's other actions: change the PIN, close the account, and a teller's reversal of a
history line. Each works over HTMX (fragment or toast) and as a plain form post (303 or the page)."""

from __future__ import annotations

import json

import pytest

from entities.errors import DomainError
from tests.conftest import PIN

REASON = {"reason": "Keyed twice"}  # staff give a reason for a reversal (SPEC 10)

NEW_PIN = "8642"


@pytest.fixture
def alice(web):
    user = web.customer("Alice Cooper")
    return {"user": user, "account": web.account(user, 10_000)}


def _balance(web, account_id):
    return web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account_id)[0][0]


def _status(web, account_id):
    return web.sql("SELECT status FROM accounts WHERE id = ?", account_id)[0][0]


def _trigger(response):
    return json.loads(response.headers["HX-Trigger"])


# --- Change PIN ---


def test_changing_the_pin_over_htmx_answers_a_fresh_form_and_the_new_pin_works(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/pin", {"current_pin": PIN, "new_pin": NEW_PIN}, htmx=True)
    assert response.status_code == 200
    assert _trigger(response)["toast"] == {"level": "success", "message": "PIN changed. Use the new PIN from now on."}
    assert response.get_data(as_text=True).lstrip().startswith("<form")
    actor = web.actor(alice["user"])
    entry = web.services.ledger.withdraw(actor, account.id, 1_000, NEW_PIN)
    assert entry.status == "posted"
    assert _balance(web, account.id) == 9_000
    with pytest.raises(DomainError) as refused:
        web.services.ledger.withdraw(actor, account.id, 1_000, PIN)
    assert refused.value.code == "invalid_pin"


def test_changing_the_pin_without_javascript_redirects_to_the_account(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/pin", {"current_pin": PIN, "new_pin": NEW_PIN})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}"
    entry = web.services.ledger.withdraw(web.actor(alice["user"]), account.id, 500, NEW_PIN)
    assert entry.status == "posted"


def test_a_wrong_current_pin_is_403_with_the_attempts_left_next_to_the_field(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/pin", {"current_pin": "9999", "new_pin": NEW_PIN}, htmx=True)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert 'id="pin-current_pin-error"' in body
    assert "2 attempts left" in body
    assert "9999" not in body and NEW_PIN not in body  # PINs are never echoed back
    assert web.sql("SELECT pin_failures, pin_locked FROM accounts WHERE id = ?", account.id) == [(1, 0)]


def test_a_wrong_current_pin_without_javascript_shows_the_page_with_the_error(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/pin", {"current_pin": "9999", "new_pin": NEW_PIN})
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert body.startswith("<!doctype html>")
    assert "2 attempts left" in body


def test_changing_the_pin_of_a_locked_account_is_423(web, alice):
    account = alice["account"]
    for _ in range(3):
        web.post(f"/accounts/{account.id}/pin", {"current_pin": "9999", "new_pin": NEW_PIN}, htmx=True)
    response = web.post(f"/accounts/{account.id}/pin", {"current_pin": PIN, "new_pin": NEW_PIN}, htmx=True)
    assert response.status_code == 423
    body = response.get_data(as_text=True)
    assert 'id="pin-current_pin-error"' in body
    assert "A teller can unlock it." in body
    assert web.sql("SELECT pin_failures, pin_locked FROM accounts WHERE id = ?", account.id) == [(3, 1)]


def test_a_malformed_new_pin_is_422_next_to_its_field_and_counts_no_attempt(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/pin", {"current_pin": PIN, "new_pin": "12"}, htmx=True)
    assert response.status_code == 422
    assert 'id="pin-new_pin-error"' in response.get_data(as_text=True)
    assert web.sql("SELECT pin_failures FROM accounts WHERE id = ?", account.id) == [(0,)]


# --- Close ---


def test_closing_at_zero_balance_closes_and_asks_the_page_to_reload_its_detail(web, client):
    user = web.customer()
    account = web.account(user)
    response = web.post(f"/accounts/{account.id}/close", htmx=True)
    assert response.status_code == 200
    trigger = _trigger(response)
    assert trigger["account-changed"] is True
    assert trigger["toast"]["message"] == f"Account {account.number} is closed."
    assert _status(web, account.id) == "closed"
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "badge-closed" in page
    assert "This account is closed" in page
    for action in ("deposit", "withdraw", "pin", "close"):
        assert f'action="/accounts/{account.id}/{action}"' not in page


def test_closing_without_javascript_redirects_to_the_closed_account(web):
    user = web.customer()
    account = web.account(user)
    response = web.post(f"/accounts/{account.id}/close")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}"
    assert _status(web, account.id) == "closed"


def test_closing_with_money_left_is_409_with_a_clear_message_and_stays_active(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/close", htmx=True)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Only an account with a zero balance can be closed." in body
    assert 'role="alert"' in body
    assert _status(web, account.id) == "active"


def test_closing_with_money_left_without_javascript_shows_the_page_with_the_message(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/close")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert body.startswith("<!doctype html>")
    assert (
        '<details class="action" name="account-action" id="action-close" open>' in body
    )  # the refused form stays open
    assert "Move or withdraw the money first." in body
    assert _status(web, account.id) == "active"


def test_the_close_button_shows_only_for_active_or_frozen_accounts(web, client, services):
    staff = web.staff("teller")
    customer = web.user("Frozen Customer")
    account = web.account(customer)
    services.accounts.freeze(web.actor(staff), account.id)
    frozen = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f"Yes, close account {account.number}" in frozen
    services.accounts.close(web.actor(staff), account.id)
    closed = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Yes, close account" not in closed


def test_a_customer_cannot_close_someone_elses_account(web, client):
    other = web.account(web.user("Someone Else"))
    web.customer()
    response = web.post(f"/accounts/{other.id}/close")
    assert response.status_code == 404
    assert _status(web, other.id) == "active"


# --- Teller reversal ---


@pytest.fixture
def deposited(web):
    """A customer's account with two deposits; the latest is the one to reverse."""
    customer = web.user("Carol Danvers")
    account = web.account(customer, 10_000)
    entry = web.services.ledger.deposit(web.actor(customer), account.id, 2_500)
    return {"customer": customer, "account": account, "entry_id": entry.id}


def _vault_balance(web):
    web.services.uow.seal()  # PostgreSQL folds system postings after commit
    return web.sql("SELECT balance_cents FROM accounts WHERE system_code = 'cash-vault'")[0][0]


def test_staff_see_a_reverse_button_on_posted_lines_and_customers_do_not(web, client, deposited):
    account = deposited["account"]
    web.staff("teller")
    staff_page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert staff_page.count("Reverse entry #") == 2
    assert f"/entries/{deposited['entry_id']}/reverse" in staff_page
    assert f'href="/teller/customers/{deposited["customer"].id}"' in staff_page  # back to the desk's customer
    web.post("/logout")
    web.login(deposited["customer"])
    customer_page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Reverse entry" not in customer_page
    assert "/reverse" not in customer_page


def test_staff_reversal_posts_a_compensating_entry_and_restores_balances(web, deposited):
    account, entry_id = deposited["account"], deposited["entry_id"]
    vault_before = _vault_balance(web)
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", {"reason": "Keyed twice"}, htmx=True)
    assert response.status_code == 200
    trigger = _trigger(response)
    assert trigger["balance-changed"] is True
    assert trigger["toast"] == {"level": "success", "message": f"Reversed entry #{entry_id}: $25.00 moved back."}
    assert web.sql(
        "SELECT kind, status, amount_cents, memo FROM journal_entries WHERE reverses_entry_id = ?", entry_id
    ) == [("reversal", "posted", 2_500, f"Reversal of #{entry_id}: Keyed twice")]
    assert _balance(web, account.id) == 10_000
    assert _vault_balance(web) == vault_before + 2_500  # the vault side of the deposit is undone too


def test_a_reversed_line_says_so_instead_of_offering_the_button_again(web, client, deposited):
    account, entry_id = deposited["account"], deposited["entry_id"]
    web.staff("teller")
    web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON, htmx=True)
    rows = client.get(f"/accounts/{account.id}/history", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "badge-reversed" in rows
    assert f"Reverse entry #{entry_id}<" not in rows
    assert rows.count("Reverse entry #") == 1  # only the first deposit; the reversal line itself has none


def test_staff_reversal_without_javascript_redirects_to_the_account(web, deposited):
    account, entry_id = deposited["account"], deposited["entry_id"]
    web.staff("admin")
    response = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}"
    assert _balance(web, account.id) == 10_000


def test_reversing_twice_is_409_already_reversed_as_a_toast(web, deposited):
    account, entry_id = deposited["account"], deposited["entry_id"]
    web.staff("teller")
    assert web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON, htmx=True).status_code == 200
    again = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON, htmx=True)
    assert again.status_code == 409
    assert again.headers["HX-Reswap"] == "none"
    assert _trigger(again)["toast"] == {"level": "error", "message": "This entry has already been reversed."}
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE reverses_entry_id = ?", entry_id) == [(1,)]
    assert _balance(web, account.id) == 10_000


def test_reversing_twice_without_javascript_shows_the_page_with_the_message(web, deposited):
    account, entry_id = deposited["account"], deposited["entry_id"]
    web.staff("teller")
    web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON)
    again = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON)
    assert again.status_code == 409
    body = again.get_data(as_text=True)
    assert body.startswith("<!doctype html>")
    assert "This entry has already been reversed." in body


def test_reversing_a_reversal_is_409_not_reversible(web, deposited):
    account, entry_id = deposited["account"], deposited["entry_id"]
    web.staff("teller")
    web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON, htmx=True)
    (reversal_id,) = web.sql("SELECT id FROM journal_entries WHERE reverses_entry_id = ?", entry_id)[0]
    response = web.post(f"/accounts/{account.id}/entries/{reversal_id}/reverse", REASON, htmx=True)
    assert response.status_code == 409
    assert (
        _trigger(response)["toast"]["message"] == "Only a posted entry that is not itself a reversal can be reversed."
    )


def test_a_reversal_the_account_cannot_fund_is_a_recorded_422_decline(web, deposited):
    customer, account, entry_id = deposited["customer"], deposited["account"], deposited["entry_id"]
    web.services.ledger.withdraw(web.actor(customer), account.id, 11_000, PIN)  # leaves $15.00 of the $25.00
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", REASON, htmx=True)
    assert response.status_code == 422
    trigger = _trigger(response)
    assert trigger["toast"]["level"] == "error"
    assert trigger["toast"]["message"].startswith("The account no longer holds enough")
    assert trigger["balance-changed"] is True  # the history shows the recorded decline
    assert web.sql(
        "SELECT kind, status, decline_reason FROM journal_entries WHERE reverses_entry_id = ?", entry_id
    ) == [("reversal", "declined", "insufficient_funds")]
    assert _balance(web, account.id) == 1_500


def test_an_overlong_reason_is_422_and_reverses_nothing(web, deposited):
    account, entry_id = deposited["account"], deposited["entry_id"]
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", {"reason": "x" * 141}, htmx=True)
    assert response.status_code == 422
    assert f'<p class="field-error" id="reverse-{entry_id}-reason-error">at most 140 characters</p>' in (
        response.get_data(as_text=True)
    )
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE reverses_entry_id = ?", entry_id) == [(0,)]


def test_a_customer_posting_to_the_reversal_route_is_403_and_nothing_moves(web, alice):
    account = alice["account"]
    (entry_id,) = web.sql("SELECT id FROM journal_entries WHERE account_id = ?", account.id)[0]
    before = web.snapshot()
    response = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", {"reason": "mine"})
    assert response.status_code == 403
    after = web.snapshot()
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    assert web.sql(
        "SELECT action, outcome FROM audit_log WHERE actor_id = ? AND outcome = 'denied'", alice["user"].id
    ) == [("reversal", "denied")]


# --- CSRF on the new forms ---


@pytest.mark.parametrize("htmx", [False, True])
def test_the_new_forms_refuse_a_post_without_the_csrf_token(web, deposited, htmx):
    account, entry_id = deposited["account"], deposited["entry_id"]
    web.staff("admin")
    before = web.snapshot()
    posts = [
        (f"/accounts/{account.id}/pin", {"current_pin": PIN, "new_pin": NEW_PIN}),
        (f"/accounts/{account.id}/close", {}),
        (f"/accounts/{account.id}/entries/{entry_id}/reverse", {"reason": "forged"}),
    ]
    for path, data in posts:
        response = web.post(path, data, token=False, htmx=htmx)
        assert response.status_code == 403, path
    assert web.snapshot() == before


def test_the_account_page_folds_its_actions_and_calls_the_customer_deposit_simulated_cash(web, client, alice):
    account = alice["account"]
    body = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert body.index('id="account-balance"') < body.index('id="action-deposit"') < body.index('id="history-rows"')
    for action in ("deposit", "withdraw", "pin", "close"):
        assert f'<details class="action" name="account-action" id="action-{action}">' in body  # closed
    assert "Deposit simulated cash" in body and "No real money moves." in body


def test_a_refused_deposit_without_javascript_comes_back_with_its_form_open(web, alice):
    account = alice["account"]
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "0"})
    assert response.status_code == 422
    assert '<details class="action" name="account-action" id="action-deposit" open>' in response.get_data(as_text=True)


def test_the_balances_show_available_and_what_is_on_hold(web, client, services):
    customer = web.customer("Held Customer")
    account = web.account(customer, 10_000)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert '<dd id="account-available">$100.00</dd>' in html and '<dd id="account-held">$0.00</dd>' in html
    teller = web.user("Tess Teller", role="teller")
    services.holds.place(web.actor(teller), account.id, 2_500, "Safe box deposit")
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert html.count('id="account-available"') == 1
    assert '<dd id="account-available">$75.00</dd>' in html
    assert '<dd id="account-held">$25.00</dd>' in html
