"""Holds and limits on the pages (SPEC 10, 13, 14): the account page leads with the available
balance and pending holds; the cards page is the simulated merchant terminal (authorise, capture,
void); the teller desk places and releases staff holds and sets limits."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from entities.users import Actor, Role
from tests.conftest import PIN

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(web):
    """A logged-in customer with $200.00 and a debit card."""
    user = web.customer("Alice Cooper")
    account = web.account(user, 20_000)
    card = web.services.cards.issue(web.actor(user), account.id).card
    return {"user": user, "account": account, "card": card, "actor": web.actor(user)}


@pytest.fixture
def teller(web):
    user = web.user("Tess Teller", role="teller")
    return {"user": user, "actor": Actor(user_id=user.id, role=Role.TELLER)}


def _authorize(web, alice, cents=2_000, merchant="Corner Coffee"):
    return web.services.holds.authorize(alice["actor"], alice["card"].id, cents, merchant, PIN)


def _hold_row(web, hold_id):
    return web.sql("SELECT status, captured_cents FROM holds WHERE id = ?", hold_id)[0]


def _switch_to(web, user):
    """Log out, then log in as ``user`` (a signed-in browser does not get the login page)."""
    assert web.post("/logout").status_code == 303
    assert web.login(user).status_code == 303


def _toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def _text(response) -> str:
    return response.get_data(as_text=True)


# -- the account page ------------------------------------------------------------------------------


def test_the_account_page_leads_with_available_balance_and_pending_holds(web, client, alice):
    _authorize(web, alice, 2_000, "Corner Coffee")
    response = client.get(f"/accounts/{alice['account'].id}")
    assert response.status_code == 200
    html = _text(response)
    assert re.search(r'id="account-balance">\$200\.00<', html)
    assert re.search(r'id="account-available">\$180\.00<', html)
    assert re.search(r'id="account-held">\$20\.00<', html)
    pending = html[html.index('class="hold-list"') :]
    assert "Corner Coffee" in pending and "$20.00" in pending and "until <time" in pending
    # The summary comes before the history
    assert html.index('id="account-available"') < html.index('id="history-title"')


def test_a_customer_gets_no_release_button_and_no_staff_limit_controls(web, client, alice, teller):
    _authorize(web, alice)
    html = _text(client.get(f"/accounts/{alice['account'].id}"))
    assert "Release" not in html
    assert "Remove the limit" not in html
    assert "To raise or remove it, ask a teller." in html


def test_the_summary_fragment_carries_the_holds_after_a_balance_change(web, client, alice):
    _authorize(web, alice, 3_000, "Book Shop")
    response = client.get(f"/accounts/{alice['account'].id}/summary", headers=HX)
    assert response.status_code == 200
    html = _text(response)
    assert "<html" not in html and "Book Shop" in html
    assert re.search(r'id="account-available">\$170\.00<', html)


def test_a_pending_hold_is_not_a_history_line(web, client, alice):
    _authorize(web, alice, 2_000, "Corner Coffee")
    rows = _text(client.get(f"/accounts/{alice['account'].id}/history", headers=HX))
    assert "Corner Coffee" not in rows
    assert rows.count("<tr") == 1  # the deposit only


def test_staff_release_a_hold_from_the_account_page(web, client, alice, teller):
    hold = web.services.holds.place(teller["actor"], alice["account"].id, 5_000, "Court order")
    _switch_to(web, teller["user"])
    page = _text(client.get(f"/accounts/{alice['account'].id}"))
    assert "Court order" in page and "Yes, release $50.00" in page
    response = web.post(f"/holds/{hold.id}/void", {"next": f"/accounts/{alice['account'].id}"}, htmx=True)
    assert response.status_code == 200
    assert _toast(response) == "Released the hold of $50.00 (Court order): the money is available again."
    assert json.loads(response.headers["HX-Trigger"])["balance-changed"] is True
    assert _hold_row(web, hold.id) == ("voided", 0)
    assert web.services.accounts.get(teller["actor"], alice["account"].id).available_cents == 20_000


def test_a_customer_cannot_release_a_staff_hold(web, client, alice, teller):
    hold = web.services.holds.place(teller["actor"], alice["account"].id, 5_000, "Court order")
    response = web.post(f"/holds/{hold.id}/void", htmx=True)
    assert response.status_code == 403
    assert _hold_row(web, hold.id) == ("pending", 0)


def test_releasing_a_hold_twice_says_it_is_no_longer_pending(web, client, alice, teller):
    hold = web.services.holds.place(teller["actor"], alice["account"].id, 5_000, "Court order")
    web.services.holds.void(teller["actor"], hold.id)
    _switch_to(web, teller["user"])
    response = web.post(f"/holds/{hold.id}/void", htmx=True)
    assert response.status_code == 409
    assert response.headers["HX-Reswap"] == "none"
    assert "no longer pending" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]


# -- the daily limit ---------------------------------------------------------------------------------


def test_the_account_page_shows_the_limit_and_what_is_left_today(web, client, alice):
    web.services.holds.set_daily_limit(alice["actor"], alice["account"].id, 10_000)
    _authorize(web, alice, 3_000)
    html = _text(client.get(f"/accounts/{alice['account'].id}"))
    assert "Daily limit $100.00" in html and "$70.00 left today" in html


def test_the_owner_lowers_the_limit(web, client, alice):
    account_id = alice["account"].id
    response = web.post(f"/accounts/{account_id}/limit", {"daily_limit": "250.00", "op": "set"}, htmx=True)
    assert response.status_code == 200
    assert "$250.00" in _toast(response)
    assert web.sql("SELECT daily_limit_cents FROM accounts WHERE id = ?", account_id) == [(25_000,)]


def test_the_owner_raising_the_limit_is_told_a_teller_can_next_to_the_field(web, client, alice):
    account_id = alice["account"].id
    web.services.holds.set_daily_limit(alice["actor"], account_id, 10_000)
    response = web.post(f"/accounts/{account_id}/limit", {"daily_limit": "500", "op": "set"}, htmx=True)
    assert response.status_code == 403
    html = _text(response)
    assert f'id="limit-{account_id}-daily_limit-error"' in html and "Only a teller can raise" in html
    assert web.sql("SELECT daily_limit_cents FROM accounts WHERE id = ?", account_id) == [(10_000,)]


def test_the_owner_cannot_remove_the_limit(web, client, alice):
    account_id = alice["account"].id
    web.services.holds.set_daily_limit(alice["actor"], account_id, 10_000)
    response = web.post(f"/accounts/{account_id}/limit", {"op": "remove"}, htmx=True)
    assert response.status_code == 403
    assert web.sql("SELECT daily_limit_cents FROM accounts WHERE id = ?", account_id) == [(10_000,)]


def test_a_malformed_limit_is_shown_next_to_the_field(web, client, alice):
    account_id = alice["account"].id
    response = web.post(f"/accounts/{account_id}/limit", {"daily_limit": "ten", "op": "set"}, htmx=True)
    assert response.status_code == 422
    assert f'id="limit-{account_id}-daily_limit-error"' in _text(response)


def test_staff_raise_and_remove_a_customers_limit(web, client, alice, teller):
    account_id = alice["account"].id
    web.services.holds.set_daily_limit(alice["actor"], account_id, 10_000)
    _switch_to(web, teller["user"])
    assert "Remove the limit" in _text(client.get(f"/accounts/{account_id}"))
    raised = web.post(f"/accounts/{account_id}/limit", {"daily_limit": "1,000.00", "op": "set"}, htmx=True)
    assert raised.status_code == 200
    assert web.sql("SELECT daily_limit_cents FROM accounts WHERE id = ?", account_id) == [(100_000,)]
    removed = web.post(f"/accounts/{account_id}/limit", {"op": "remove"}, htmx=True)
    assert removed.status_code == 200
    assert _toast(removed).endswith("has no daily limit now.")
    assert web.sql("SELECT daily_limit_cents FROM accounts WHERE id = ?", account_id) == [(None,)]


def test_a_plain_limit_post_redirects_to_where_it_came_from(web, client, alice):
    account_id = alice["account"].id
    response = web.post(f"/accounts/{account_id}/limit", {"daily_limit": "90", "op": "set"})
    assert (response.status_code, response.headers["Location"]) == (303, f"/accounts/{account_id}")


# -- the cards page: the simulated merchant terminal -----------------------------------------------------


def test_the_cards_page_lists_authorisations_and_says_it_is_a_simulation(web, client, alice):
    first = _authorize(web, alice, 1_000, "Old Shop")
    web.services.holds.void(alice["actor"], first.id)
    _authorize(web, alice, 2_500, "New Shop")
    response = client.get("/cards")
    assert response.status_code == 200
    html = _text(response)
    assert "A simulation: here you play the shop's card terminal." in html
    listed = html[html.index(f'id="authorizations-{alice["card"].id}"') :]
    assert listed.index("New Shop") < listed.index("Old Shop")  # pending first
    assert "Capture" in listed and "Void" in listed and "7 days" in listed


def test_the_authorisations_fragment_reloads_itself_for_its_card_only(web, client, alice):
    _authorize(web, alice, 2_500, "New Shop")
    response = client.get(f"/cards/{alice['card'].id}/authorizations", headers=HX)
    assert response.status_code == 200
    html = _text(response)
    assert html.lstrip().startswith("<section") and "<html" not in html and "New Shop" in html
    other = web.user("Mallory Other")
    _switch_to(web, other)
    assert client.get(f"/cards/{alice['card'].id}/authorizations", headers=HX).status_code == 404


def test_authorising_on_the_cards_page_holds_the_money(web, client, alice):
    card_id, account_id = alice["card"].id, alice["account"].id
    form = {"merchant": "Corner Coffee", "amount": "12.34", "pin": PIN, "idempotency_key": "auth-1"}
    response = web.post(f"/cards/{card_id}/authorizations", form, htmx=True)
    assert response.status_code == 200
    assert _toast(response).startswith("Authorised $12.34 at Corner Coffee")
    assert json.loads(response.headers["HX-Trigger"])["holds-changed"] is True
    account = web.services.accounts.get(alice["actor"], account_id)
    assert (account.balance_cents, account.available_cents) == (20_000, 20_000 - 1_234)
    # The same form submitted twice authorises once
    again = web.post(f"/cards/{card_id}/authorizations", form, htmx=True)
    assert again.status_code == 200
    assert web.sql("SELECT COUNT(*) FROM holds WHERE account_id = ?", account_id) == [(1,)]


def test_a_wrong_pin_on_the_terminal_is_shown_next_to_the_pin(web, client, alice):
    card_id, account_id = alice["card"].id, alice["account"].id
    form = {"merchant": "Corner Coffee", "amount": "12.34", "pin": "9999", "idempotency_key": "auth-2"}
    response = web.post(f"/cards/{card_id}/authorizations", form, htmx=True)
    assert response.status_code == 403  # invalid_pin (SPEC section 9)
    assert re.search(rf'id="authorize-{card_id}-pin-error">[^<]*2 attempts left', _text(response))
    assert web.sql("SELECT COUNT(*) FROM holds WHERE account_id = ?", account_id) == [(0,)]


def test_an_empty_terminal_form_names_every_field(web, client, alice):
    card_id = alice["card"].id
    response = web.post(f"/cards/{card_id}/authorizations", {"idempotency_key": "auth-3"}, htmx=True)
    assert response.status_code == 422
    html = _text(response)
    for name in ("merchant", "amount", "pin"):
        assert f'id="authorize-{card_id}-{name}-error"' in html


def test_over_the_available_balance_the_terminal_says_so_next_to_the_amount_and_records_it(web, client, alice):
    card_id = alice["card"].id
    form = {"merchant": "Car Dealer", "amount": "250.00", "pin": PIN, "idempotency_key": "auth-4"}
    response = web.post(f"/cards/{card_id}/authorizations", form, htmx=True)
    assert response.status_code == 422
    assert f'id="authorize-{card_id}-amount-error"' in _text(response)
    declined = "SELECT COUNT(*) FROM journal_entries WHERE kind = 'card_purchase' AND status = 'declined'"
    assert web.sql(declined) == [(1,)]  # recorded like any decline; no hold
    assert web.sql("SELECT COUNT(*) FROM holds") == [(0,)]


def test_a_partial_capture_takes_part_and_releases_the_rest(web, client, alice):
    hold = _authorize(web, alice, 2_000, "Corner Coffee")
    response = web.post(f"/holds/{hold.id}/capture", {"amount": "12.50", "idempotency_key": "cap-1"}, htmx=True)
    assert response.status_code == 200
    assert _toast(response) == "Captured $12.50 at Corner Coffee. The other $7.50 is available again."
    assert _hold_row(web, hold.id) == ("captured", 1_250)
    account = web.services.accounts.get(alice["actor"], alice["account"].id)
    assert (account.balance_cents, account.available_cents, account.held_cents) == (18_750, 18_750, 0)


def test_an_empty_capture_amount_captures_it_all(web, client, alice):
    hold = _authorize(web, alice, 2_000, "Corner Coffee")
    response = web.post(f"/holds/{hold.id}/capture", {"amount": "", "idempotency_key": "cap-2"}, htmx=True)
    assert response.status_code == 200
    assert _hold_row(web, hold.id) == ("captured", 2_000)


def test_a_failed_capture_shows_the_error_next_to_its_form(web, client, alice):
    hold = _authorize(web, alice, 2_000, "Corner Coffee")
    response = web.post(f"/holds/{hold.id}/capture", {"amount": "25.00", "idempotency_key": "cap-3"}, htmx=True)
    assert response.status_code == 422
    html = _text(response)
    assert html.lstrip().startswith("<form") and f'id="capture-{hold.id}"' in html
    error = re.search(rf'id="capture-{hold.id}-amount-error">([^<]+)<', html).group(1)
    assert error == "must be at most $20.00, the amount held"
    assert _hold_row(web, hold.id) == ("pending", 0)


def test_capturing_a_voided_authorisation_says_it_is_no_longer_pending(web, client, alice):
    hold = _authorize(web, alice, 2_000, "Corner Coffee")
    assert web.post(f"/holds/{hold.id}/void", htmx=True).status_code == 200
    response = web.post(f"/holds/{hold.id}/capture", {"idempotency_key": "cap-4"}, htmx=True)
    assert response.status_code == 409
    assert "This payment is no longer pending" in _text(response)


def test_a_failed_capture_without_javascript_shows_the_cards_page_with_the_error(web, client, alice):
    hold = _authorize(web, alice, 2_000, "Corner Coffee")
    response = web.post(f"/holds/{hold.id}/capture", {"amount": "0", "idempotency_key": "cap-5"})
    assert response.status_code == 422
    html = _text(response)
    assert html.startswith("<!doctype html>") and f'id="capture-{hold.id}-amount-error"' in html


def test_another_customer_cannot_capture_or_void(web, client, alice):
    hold = _authorize(web, alice, 2_000, "Corner Coffee")
    _switch_to(web, web.user("Mallory Other"))
    assert web.post(f"/holds/{hold.id}/capture", {"idempotency_key": "cap-6"}, htmx=True).status_code == 404
    assert web.post(f"/holds/{hold.id}/void", htmx=True).status_code == 404
    assert _hold_row(web, hold.id) == ("pending", 0)


def test_a_capture_reads_as_a_card_purchase_in_history_and_statement(web, client, alice):
    account_id = alice["account"].id
    captured = _authorize(web, alice, 2_000, "Corner Coffee")
    _authorize(web, alice, 900, "Still Pending Shop")
    assert web.post(f"/holds/{captured.id}/capture", {"amount": "12.50"}, htmx=True).status_code == 200
    rows = _text(client.get(f"/accounts/{account_id}/history", headers=HX))
    assert "Card purchase" in rows and "Corner Coffee" in rows and "-$12.50" in rows
    assert "Still Pending Shop" not in rows
    month = datetime.now().strftime("%Y-%m")
    statement = _text(client.get(f"/statements?account_id={account_id}&month={month}"))
    assert "Card purchase" in statement and "Corner Coffee" in statement and "-$12.50" in statement
    assert "Still Pending Shop" not in statement


# -- the teller desk --------------------------------------------------------------------------------------


def test_a_staff_hold_placed_at_the_desk_shows_on_the_account_page(web, client, alice, teller):
    customer, account_id = alice["user"], alice["account"].id
    _switch_to(web, teller["user"])
    desk = _text(client.get(f"/teller/customers/{customer.id}"))
    assert "Place a hold" in desk and "Holds and limits" in desk
    form = {"account_id": account_id, "amount": "75.00", "reason": "Disputed deposit", "expires_in": "2"}
    response = web.post(f"/teller/customers/{customer.id}/holds", {**form, "expires_unit": "hours"}, htmx=True)
    assert response.status_code == 200
    assert _toast(response) == f"Placed a hold of $75.00 on ···{alice['account'].number[-4:]}: Disputed deposit."
    [(created, expires)] = web.sql("SELECT created_at, expires_at FROM holds WHERE account_id = ?", account_id)
    assert (datetime.fromisoformat(expires) - datetime.fromisoformat(created)).total_seconds() == 7_200
    desk_holds = _text(client.get(f"/teller/customers/{customer.id}/holds", headers=HX))
    assert "Disputed deposit" in desk_holds and "Yes, release $75.00" in desk_holds
    _switch_to(web, customer)
    page = _text(client.get(f"/accounts/{account_id}"))
    assert "Disputed deposit" in page and "Hold placed by the bank" in page
    assert re.search(r'id="account-available">\$125\.00<', page)


def test_a_staff_hold_without_expiry_lasts_until_released(web, client, alice, teller):
    _switch_to(web, teller["user"])
    form = {"account_id": alice["account"].id, "amount": "10", "reason": "Lien", "expires_in": ""}
    response = web.post(f"/teller/customers/{alice['user'].id}/holds", form, htmx=True)
    assert response.status_code == 200
    assert web.sql("SELECT expires_at FROM holds WHERE account_id = ?", alice["account"].id) == [(None,)]


def test_a_bad_staff_hold_form_names_every_field(web, client, alice, teller):
    _switch_to(web, teller["user"])
    form = {"account_id": alice["account"].id, "amount": "", "reason": "", "expires_in": "400"}
    response = web.post(f"/teller/customers/{alice['user'].id}/holds", {**form, "expires_unit": "days"}, htmx=True)
    assert response.status_code == 422
    html = _text(response)
    for name in ("amount", "reason", "expires_in"):
        assert f'id="hold-{name}-error"' in html
    assert web.sql("SELECT COUNT(*) FROM holds") == [(0,)]


def test_a_staff_hold_over_the_available_balance_is_refused_next_to_the_amount(web, client, alice, teller):
    _switch_to(web, teller["user"])
    form = {"account_id": alice["account"].id, "amount": "500", "reason": "Lien"}
    response = web.post(f"/teller/customers/{alice['user'].id}/holds", form, htmx=True)
    assert response.status_code == 422
    assert 'id="hold-amount-error"' in _text(response)
    assert web.sql("SELECT COUNT(*) FROM holds") == [(0,)]


def test_a_customer_cannot_place_holds_at_the_desk(web, client, alice):
    form = {"account_id": alice["account"].id, "amount": "10", "reason": "Mine"}
    response = web.post(f"/teller/customers/{alice['user'].id}/holds", form, htmx=True)
    assert response.status_code == 403
    assert client.get(f"/teller/customers/{alice['user'].id}/holds", headers=HX).status_code == 403
    assert web.sql("SELECT COUNT(*) FROM holds") == [(0,)]


def test_the_teller_sets_a_limit_from_the_desk_and_returns_there(web, client, alice, teller):
    _switch_to(web, teller["user"])
    desk = f"/teller/customers/{alice['user'].id}"
    account_id = alice["account"].id
    response = web.post(f"/accounts/{account_id}/limit", {"daily_limit": "300", "op": "set", "next": desk})
    assert (response.status_code, response.headers["Location"]) == (303, desk)
    assert web.sql("SELECT daily_limit_cents FROM accounts WHERE id = ?", account_id) == [(30_000,)]
    assert "Daily limit $300.00" in _text(client.get(desk))
