"""The teller and admin pages show separation-of-duties refusals (SPEC section 1) as a 403 with the
reason, in the form, a toast or the error page, never a 500, and nothing changes."""

from __future__ import annotations

import pytest

from entities.errors import DomainError

REASON = {"reason": "Keyed twice"}  # staff give a reason for a reversal (SPEC 10)

OWN_ACCOUNT = "Staff cannot use staff powers on their own accounts or user"
UNLOCK_LIMIT = "lifted too often today; an admin must unlock it"


def _lock_with_wrong_pins(web, owner, account):
    for _ in range(3):
        with pytest.raises(DomainError):
            web.services.ledger.withdraw(web.actor(owner), account.id, 100, "9999")


def test_a_teller_depositing_into_their_own_account_at_the_desk_sees_why_and_nothing_moves(web, client):
    teller = web.staff("teller")
    account = web.account(teller)
    path = f"/teller/customers/{teller.id}/cash"
    form = {"account_id": account.id, "amount": "10,000,000,000.00", "op": "deposit"}
    fragment = web.post(path, form, htmx=True)
    assert fragment.status_code == 403
    assert OWN_ACCOUNT in fragment.get_data(as_text=True)
    page = web.post(path, form)
    assert page.status_code == 403
    assert OWN_ACCOUNT in page.get_data(as_text=True)
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(0,)]
    assert web.sql("SELECT action, outcome FROM audit_log WHERE actor_id = ? AND outcome = 'denied'", teller.id) == [
        ("deposit", "denied"),
        ("deposit", "denied"),
    ]


@pytest.mark.parametrize("action", ["freeze", "unlock"])
def test_a_teller_acting_on_their_own_account_gets_a_403_page(web, client, action):
    teller = web.staff("teller")
    account = web.account(teller)
    response = web.post(f"/teller/accounts/{account.id}/{action}", {"reason": "Testing my own"})
    assert response.status_code == 403
    assert OWN_ACCOUNT in response.get_data(as_text=True)
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("active",)]


def test_a_teller_reversing_an_entry_on_their_own_account_gets_a_toast(web, client):
    teller = web.staff("teller")
    own = web.account(teller)
    payer = web.user("Payer")
    source = web.account(payer, 1_000)
    entry = web.services.ledger.transfer(web.actor(payer), source.id, own.number, 1_000, "1234")
    response = web.post(f"/accounts/{own.id}/entries/{entry.id}/reverse", REASON, htmx=True)
    assert response.status_code == 403
    assert OWN_ACCOUNT in response.headers["HX-Trigger"]
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", own.id) == [(1_000,)]


def test_a_teller_cannot_unlock_an_admin_at_the_desk(web, client):
    target = web.user("Locked Admin", role="admin")
    for _ in range(5):
        web.login(target, "wrong password here")
    web.staff("teller")
    response = web.post(f"/teller/customers/{target.id}/unlock")
    assert response.status_code == 403
    assert "Only an admin unlocks a teller or an admin" in response.get_data(as_text=True)
    assert web.sql("SELECT failed_logins FROM users WHERE id = ?", target.id) == [(5,)]


def test_past_the_daily_unlock_limit_the_unlock_page_says_an_admin_must(web, client):
    customer = web.user("Forgetful Fay")
    account = web.account(customer, 1_000)
    teller = web.staff("teller")
    for _ in range(3):
        _lock_with_wrong_pins(web, customer, account)
        web.services.accounts.unlock(web.actor(teller), account.id)
    _lock_with_wrong_pins(web, customer, account)
    row = web.post(f"/admin/unlock/accounts/{account.id}", htmx=True)
    assert row.status_code == 403
    assert UNLOCK_LIMIT in row.headers["HX-Trigger"]
    assert web.sql("SELECT pin_locked FROM accounts WHERE id = ?", account.id) == [(1,)]
    web.post("/logout")
    web.staff("admin")
    assert web.post(f"/admin/unlock/accounts/{account.id}", htmx=True).status_code == 200
    assert web.sql("SELECT pin_locked FROM accounts WHERE id = ?", account.id) == [(0,)]
