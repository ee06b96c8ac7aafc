"""Staff pages refuse customers (403 from the service layer, audited) and hide their links."""

from __future__ import annotations

import json

import pytest

from entities.errors import DomainError
from tests.conftest import PASSWORD

STAFF_PAGES = ["/teller", "/admin", "/admin/unlock", "/admin/audit", "/admin/verify", "/teller/customers/1"]
ADMIN_ONLY = ["/admin", "/admin/audit", "/admin/verify"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_customers_get_403_on_staff_pages(web, client, path):
    web.customer()
    response = client.get(path)
    assert response.status_code == 403
    assert "Forbidden" in response.get_data(as_text=True)


def test_a_refused_customer_is_audited(web, client):
    user = web.customer()
    client.get("/admin")
    assert web.sql("SELECT action, outcome FROM audit_log WHERE actor_id = ? AND outcome = 'denied'", user.id) == [
        ("user.list", "denied")
    ]


@pytest.mark.parametrize("path", ADMIN_ONLY)
def test_tellers_get_403_on_admin_only_pages(web, client, path):
    web.staff("teller")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/teller", "/admin/unlock"])
def test_tellers_may_use_the_desk_and_the_unlock_page(web, client, path):
    web.staff("teller")
    assert client.get(path).status_code == 200


def test_customers_cannot_post_staff_actions(web, client):
    victim = web.user("Victim")
    account = web.account(victim, 1_000)
    web.customer()
    before = web.snapshot()
    assert web.post(f"/teller/accounts/{account.id}/freeze").status_code == 403
    assert web.post(f"/admin/users/{victim.id}/role", {"role": "admin"}).status_code == 403
    assert web.post(f"/admin/unlock/accounts/{account.id}").status_code == 403
    after = web.snapshot()
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}


def test_customers_see_no_staff_links(web, client):
    web.customer()
    body = client.get("/").get_data(as_text=True)
    assert 'href="/teller"' not in body
    assert 'href="/admin' not in body
    assert 'href="/cards"' in body and 'href="/statements"' in body


def test_admins_see_every_link(web, client):
    web.staff("admin")
    body = client.get("/").get_data(as_text=True)
    for href in ("/teller", "/admin/unlock", "/admin", "/admin/audit"):
        assert f'href="{href}"' in body


def test_a_customer_cannot_open_another_customers_account_page(web, client):
    other = web.user("Other")
    account = web.account(other, 1_000)
    web.customer()
    response = client.get(f"/accounts/{account.id}")
    assert response.status_code == 404
    assert "$10.00" not in response.get_data(as_text=True)


# --- the teller desk ---


def test_teller_finds_a_customer_by_name_email_or_account_number(web, client):
    customer = web.user("Grace Hopper")
    account = web.account(customer)
    web.staff("teller")
    for query in ("Hopper", customer.email, account.number):
        body = client.get("/teller/search", query_string={"q": query}, headers={"HX-Request": "true"}).get_data(
            as_text=True
        )
        assert "Grace Hopper" in body, query
        assert f'href="/teller/customers/{customer.id}"' in body


def test_teller_opens_an_account_for_a_customer(web, client):
    customer = web.user("Grace Hopper")
    web.staff("teller")
    response = web.post(f"/teller/customers/{customer.id}/accounts", {"type": "savings", "pin": "4321"}, htmx=True)
    assert response.status_code == 200
    assert "customer-changed" in response.headers["HX-Trigger"]
    assert web.sql("SELECT owner_id, type FROM accounts WHERE owner_id = ?", customer.id) == [(customer.id, "savings")]


def test_teller_takes_cash_in_and_pays_out_with_the_pin(web, client):
    customer = web.user("Grace Hopper")
    account = web.account(customer)
    web.staff("teller")
    path = f"/teller/customers/{customer.id}/cash"
    deposit = web.post(path, {"account_id": account.id, "amount": "100.00", "op": "deposit"}, htmx=True)
    assert deposit.status_code == 200
    assert (
        f"Deposited $100.00 to Checking ···{account.number[-4:]}."
        in json.loads(deposit.headers["HX-Trigger"])["toast"]["message"]
    )
    payout = web.post(path, {"account_id": account.id, "amount": "40.00", "pin": "1234", "op": "withdraw"}, htmx=True)
    assert payout.status_code == 200
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(6_000,)]


def test_teller_freezes_and_unfreezes_an_account(web, client):
    customer = web.user("Grace Hopper")
    account = web.account(customer)
    web.staff("teller")
    assert web.post(f"/teller/accounts/{account.id}/freeze", {"reason": "Card fraud reported"}).status_code == 303
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("frozen",)]
    assert web.post(f"/teller/accounts/{account.id}/unfreeze", htmx=True).status_code == 200
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("active",)]


def test_teller_unlocks_a_customer_locked_by_failed_logins(web, client):
    customer = web.user("Grace Hopper")
    for _ in range(5):
        web.login(customer, "wrong password here")
    web.staff("teller")
    page = client.get(f"/teller/customers/{customer.id}").get_data(as_text=True)
    assert "Unlock sign-in" in page
    assert web.post(f"/teller/customers/{customer.id}/unlock", htmx=True).status_code == 200
    assert web.sql("SELECT failed_logins, locked_until FROM users WHERE id = ?", customer.id) == [(0, None)]


# --- admin ---


def test_admin_unlock_page_lists_locked_users_and_accounts_and_unlocks_a_row(web, client):
    customer = web.user("Locked Larry")
    account = web.account(customer, 1_000)
    for _ in range(5):
        web.login(customer, "wrong password here")
    for _ in range(3):  # three wrong PINs lock the account
        with pytest.raises(DomainError):
            web.services.ledger.withdraw(web.actor(customer), account.id, 100, "9999")
    web.staff("admin")
    page = client.get("/admin/unlock").get_data(as_text=True)
    assert "Locked Larry" in page
    assert account.number in page
    row = web.post(f"/admin/unlock/users/{customer.id}", htmx=True)
    assert row.status_code == 200
    body = row.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="locked-user-{customer.id}"')
    assert "Unlocked" in body
    assert "Locked Larry can log in again." in row.headers["HX-Trigger"]
    account_row = web.post(f"/admin/unlock/accounts/{account.id}", htmx=True)
    assert account_row.get_data(as_text=True).lstrip().startswith(f'<tr id="locked-account-{account.id}"')
    assert web.sql("SELECT pin_locked FROM accounts WHERE id = ?", account.id) == [(0,)]
    web.post("/logout")
    assert web.login(customer, PASSWORD).status_code == 303


def test_admin_changes_a_role_and_the_row_is_swapped(web, client):
    customer = web.user("Future Teller")
    web.staff("admin")
    response = web.post(
        f"/admin/users/{customer.id}/role", {"role": "teller", "reason": "Joined the branch"}, htmx=True
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith(f'<tr id="user-{customer.id}"')
    assert web.sql("SELECT role FROM users WHERE id = ?", customer.id) == [("teller",)]


def test_admin_cannot_change_their_own_role_and_sees_why(web, client):
    admin = web.staff("admin")
    response = web.post(f"/admin/users/{admin.id}/role", {"role": "customer", "reason": "Left the branch"}, htmx=True)
    assert response.status_code == 403
    assert "Nobody changes their own role" in response.get_data(as_text=True)


def test_admin_audit_viewer_filters_and_pages(web, client):
    customer = web.user("Audited")
    for _ in range(3):
        web.login(customer, "wrong password here")
    web.staff("admin")
    body = client.get("/admin/audit", query_string={"action": "login", "outcome": "failure"}).get_data(as_text=True)
    assert body.count('data-label="Action">Sign-in<') == 3  # actions in words
    rows = client.get("/admin/audit/rows", query_string={"action": "register"}, headers={"HX-Request": "true"})
    assert rows.get_data(as_text=True).count('data-label="Action">Registration<') == 2


def test_admin_audit_load_more_walks_the_keyset(web, client):
    customer = web.user("Busy")
    for _ in range(60):
        web.services.audit.record(web.actor(customer), "test.event")
    web.staff("admin")
    first = client.get("/admin/audit", query_string={"action": "test.event"}).get_data(as_text=True)
    assert first.count('data-label="Action">Test event<') == 50
    cursor = first.split('name="cursor" value="')[1].split('"')[0]
    more = client.get(
        "/admin/audit/rows", query_string={"action": "test.event", "cursor": cursor}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert more.count('data-label="Action">Test event<') == 10
    assert 'name="cursor"' not in more


def test_admin_runs_the_verification_report(web, client):
    web.account(web.user(), 1_000)
    web.staff("admin")
    response = client.get("/admin/verify", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "All checks passed" in body
    assert "Audit chain intact" in body


def test_a_teller_payout_over_the_balance_says_what_is_available(web, client):
    customer = web.user("Grace Hopper")
    account = web.account(customer)
    web.staff("teller")
    path = f"/teller/customers/{customer.id}/cash"
    web.post(path, {"account_id": account.id, "amount": "60.00", "op": "deposit"}, htmx=True)
    payout = web.post(path, {"account_id": account.id, "amount": "99.00", "pin": "1234", "op": "withdraw"}, htmx=True)
    assert payout.status_code == 422
    assert "Not enough money in the account: $60.00 is available." in payout.get_data(as_text=True)
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(6_000,)]
