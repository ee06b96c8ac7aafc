"""Dashboard, account history and the transfer flow (lookup, review, confirm with PIN)."""

from __future__ import annotations

import json
import re

import pytest

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(web):
    user = web.customer("Alice Cooper")
    return {"user": user, "account": web.account(user, 123_450)}


@pytest.fixture
def bob_account(web):
    return web.account(web.user("Bob Dylan"))


def test_dashboard_shows_accounts_money_activity_and_a_server_drawn_chart(client, alice):
    body = client.get("/").get_data(as_text=True)
    assert alice["account"].number in body
    assert "$1,234.50" in body
    assert "Cash deposit" in body  # recent activity, in words
    svg = body[body.index('<svg class="chart"') :]
    assert "<polyline" in svg[: svg.index("</svg>")]
    assert "<script" not in body.split("</head>")[1]  # no inline script anywhere in the page body


def test_customer_opens_an_account_from_the_dashboard(web, alice):
    response = web.post("/accounts", {"type": "savings", "pin": "2468"}, htmx=True)
    assert response.status_code == 200
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger["accounts-changed"] is True
    assert trigger["toast"]["message"].startswith("Your savings account ")
    assert web.sql("SELECT type FROM accounts WHERE owner_id = ? ORDER BY id", alice["user"].id) == [
        ("checking",),
        ("savings",),
    ]


def test_opening_an_account_with_a_bad_pin_shows_the_error(web, alice):
    response = web.post("/accounts", {"type": "savings", "pin": "12"}, htmx=True)
    assert response.status_code == 422
    assert 'id="open-pin-error"' in response.get_data(as_text=True)


def test_open_account_without_javascript_goes_to_the_new_account(web, alice):
    response = web.post("/accounts", {"type": "checking", "pin": "2468"})
    assert response.status_code == 303
    (new_id,) = web.sql("SELECT MAX(id) FROM accounts")[0]
    assert response.headers["Location"] == f"/accounts/{new_id}"


def test_history_loads_more_over_the_keyset_cursor(web, client, alice):
    account = alice["account"]
    for _ in range(24):
        web.services.ledger.deposit(web.actor(alice["user"]), account.id, 100)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    rows = re.findall(r'class="time-of-day"', page)
    assert len(rows) == 20
    cursor = re.search(r'name="cursor" value="([^"]+)"', page).group(1)
    more = client.get(f"/accounts/{account.id}/history", query_string={"cursor": cursor}, headers=HX)
    assert len(re.findall(r'class="time-of-day"', more.get_data(as_text=True))) == 5
    assert 'name="cursor"' not in more.get_data(as_text=True)


def test_history_filters_by_kind_and_status(web, client, alice):
    account = alice["account"]
    web.post(f"/accounts/{account.id}/withdraw", {"amount": "99999.00", "pin": "1234"})  # declined
    rows = client.get(
        f"/accounts/{account.id}/history", query_string={"kind": "withdrawal", "status": "declined"}, headers=HX
    ).get_data(as_text=True)
    assert rows.count("badge-declined") == 1
    assert "Cash deposit" not in rows and "Cash withdrawal" in rows


def test_history_with_an_unknown_kind_is_422_not_500(client, alice):
    response = client.get(f"/accounts/{alice['account'].id}", query_string={"kind": "robbery"})
    assert response.status_code == 422


def test_recipient_lookup_shows_the_masked_holder(client, alice, bob_account):
    response = client.get("/transfers/lookup", query_string={"to_account_number": bob_account.number}, headers=HX)
    assert response.status_code == 200
    assert "Account holder: Bob D." in response.get_data(as_text=True)
    assert "Dylan" not in response.get_data(as_text=True)


def test_recipient_lookup_for_an_unknown_number_says_so(client, alice):
    response = client.get("/transfers/lookup", query_string={"to_account_number": "0000000000"}, headers=HX)
    assert "No open account has this number." in response.get_data(as_text=True)


def _review(web, alice, to_number, amount="25.00"):
    return web.post(
        "/transfers/review",
        {"from_account_id": alice["account"].id, "to_account_number": to_number, "amount": amount, "memo": "Rent"},
        htmx=True,
    )


def test_review_step_shows_the_confirmation_with_a_pin_field(web, alice, bob_account):
    response = _review(web, alice, bob_account.number)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Check and confirm" in body
    assert "Bob D." in body and "$25.00" in body
    assert 'name="pin"' in body
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'transfer'") == [(0,)]


def test_review_step_with_an_unknown_recipient_is_an_inline_error(web, alice):
    response = _review(web, alice, "0000000000")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="transfer-to_account_number-error"' in body
    assert "no open account has this number" in body


def test_review_step_refuses_someone_elses_source_account(web, alice, bob_account):
    response = web.post(
        "/transfers/review",
        {"from_account_id": bob_account.id, "to_account_number": alice["account"].number, "amount": "5.00"},
        htmx=True,
    )
    assert response.status_code == 422
    assert "choose one of your accounts" in response.get_data(as_text=True)


def test_confirming_with_the_pin_moves_the_money(web, alice, bob_account):
    response = web.confirm_transfer(alice["account"], bob_account)
    assert response.status_code == 200
    assert "Transfer sent" in response.get_data(as_text=True)
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger["toast"]["message"] == f"Sent $25.00 to Bob D. (···{bob_account.number[-4:]})."
    assert trigger["balance-changed"] is True
    assert web.sql(
        "SELECT balance_cents FROM accounts WHERE id IN (?, ?) ORDER BY id", alice["account"].id, bob_account.id
    ) == [(120_950,), (2_500,)]


def test_a_double_submitted_transfer_moves_money_once(web, alice, bob_account):
    assert web.confirm_transfer(alice["account"], bob_account, key="same").status_code == 200
    again = web.confirm_transfer(alice["account"], bob_account, key="same")
    assert again.status_code == 200
    assert "nothing was moved twice" in again.headers["HX-Trigger"]
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'transfer'") == [(1,)]


def test_confirming_with_a_wrong_pin_keeps_the_confirmation_with_the_error(web, alice, bob_account):
    response = web.confirm_transfer(alice["account"], bob_account, pin="0000")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "Check and confirm" in body
    assert 'id="confirm-pin-error"' in body
    assert "2 attempts left" in body
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", bob_account.id) == [(0,)]


def test_transfer_works_without_javascript(web, client, alice, bob_account):
    response = web.client.post(
        "/transfers",
        data={
            "from_account_id": alice["account"].id,
            "to_account_number": bob_account.number,
            "holder": "Bob D.",
            "amount": "10.00",
            "pin": "1234",
            "csrf_token": web.csrf("/transfers/new"),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{alice['account'].id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Sent $10.00 to Bob D. (···{bob_account.number[-4:]})." in page


def test_edit_goes_back_to_the_filled_in_form(web, alice, bob_account):
    response = web.post(
        "/transfers/edit",
        {"from_account_id": alice["account"].id, "to_account_number": bob_account.number, "amount": "25.00"},
        htmx=True,
    )
    body = response.get_data(as_text=True)
    assert "Review transfer" in body
    assert f'value="{bob_account.number}"' in body
    assert 'value="25.00"' in body


def test_the_confirmation_step_carries_the_details_to_the_transfer(web, alice, bob_account):
    review = _review(web, alice, bob_account.number, amount="30.00")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', review.get_data(as_text=True)))
    assert fields["from_account_id"] == str(alice["account"].id)
    assert fields["amount"] == "30.00"
    response = web.client.post("/transfers", data={**fields, "pin": "1234"}, headers=HX)
    assert response.status_code == 200
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", bob_account.id) == [(3_000,)]


def test_insufficient_funds_at_confirmation_is_shown_above_the_summary(web, alice, bob_account):
    response = web.confirm_transfer(alice["account"], bob_account, amount="5000.00")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Check and confirm" in body
    assert "Not enough money in the account: $1,234.50 is available." in body
