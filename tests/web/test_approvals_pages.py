"""The approvals inbox (SPEC sections 10 and 15): who asked, what, how much, why and when, in words;
Approve with a confirmation, Reject with a reason; the reversal form and the role change say "sent
for approval" with a link to the inbox instead of a success."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PIN

LARGE = 150_000


@pytest.fixture
def transfer(web):
    """Alice sent Bob $1,500.00: (entry id, alice's account, bob's account)."""
    alice, bob = web.user("Alice Cooper"), web.user("Bob Builder")
    source, target = web.account(alice, 500_000), web.account(bob)
    entry = web.services.ledger.transfer(web.actor(alice), source.id, target.number, LARGE, PIN, "Rent")
    return entry.id, source, target


def _as_other_staff(web, client, role="teller"):
    """Log out (the cookie forgotten), then in as a new staff member."""
    client.delete_cookie("corebank_session")
    return web.staff(role)


def _balance(web, account):
    return web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id)[0][0]


def _toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


@pytest.fixture
def requested(web, transfer):
    """The teller who asked (logged in), and the pending approval's id."""
    entry_id, source, target = transfer
    maker = web.staff("teller")
    response = web.post(
        f"/accounts/{target.id}/entries/{entry_id}/reverse", {"reason": "Sent twice by mistake"}, htmx=True
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    [(approval_id,)] = web.sql("SELECT id FROM approvals")
    return maker, approval_id


def test_a_large_web_reversal_says_sent_for_approval_and_moves_nothing(web, client, transfer):
    entry_id, source, target = transfer
    web.staff("teller")
    response = web.post(
        f"/accounts/{target.id}/entries/{entry_id}/reverse", {"reason": "Sent twice by mistake"}, htmx=True
    )
    assert response.status_code == 200
    assert _toast(response).startswith(f"Sent for approval: reversing entry #{entry_id} ($1,500.00)")
    assert json.loads(response.headers["HX-Trigger"])["balance-changed"] is True
    assert (_balance(web, source), _balance(web, target)) == (500_000 - LARGE, LARGE)
    history = client.get(f"/accounts/{target.id}").get_data(as_text=True)
    assert "Reversal awaiting approval" in history and 'href="/approvals"' in history
    assert f"/entries/{entry_id}/reverse" not in history  # no second Reverse button while it waits


def test_without_javascript_the_reversal_redirects_with_the_message(web, client, transfer):
    entry_id, _, target = transfer
    web.staff("teller")
    response = web.post(f"/accounts/{target.id}/entries/{entry_id}/reverse", {"reason": "Sent twice"})
    assert (response.status_code, response.headers["Location"]) == (303, f"/accounts/{target.id}")
    assert "Sent for approval" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_inbox_says_who_asked_what_how_much_why_and_when(web, client, requested):
    maker, approval_id = requested
    checker = _as_other_staff(web, client)
    page = client.get("/approvals")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Reverse a transfer of $1,500.00" in html
    assert "$1,500.00 would go back from Bob Builder&#39;s Checking ···" in html
    assert "to Alice Cooper&#39;s Checking ···" in html
    assert maker.full_name in html and "Sent twice by mistake" in html
    assert " UTC</time>" in html  # times carry their zone
    assert "cash-vault" not in html and "150000" not in html
    assert f'action="/approvals/{approval_id}/approve"' in html and f'action="/approvals/{approval_id}/reject"' in html
    assert 'aria-current="page">Waiting</a>' in html
    assert checker.full_name in html  # the header names who is logged in


def test_the_requester_sees_their_request_without_an_approve_button(web, client, requested):
    maker, approval_id = requested
    html = client.get("/approvals").get_data(as_text=True)
    assert "Waiting for another staff member" in html
    assert f'action="/approvals/{approval_id}/approve"' not in html
    assert f"Withdraw request #{approval_id}" in html


def test_a_second_teller_approves_in_the_inbox_and_the_money_moves(web, client, transfer, requested):
    _, source, target = transfer
    _as_other_staff(web, client)
    response = web.post(f"/approvals/{requested[1]}/approve", htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _toast(response) == "Approved and done: Reverse a transfer of $1,500.00."
    html = response.get_data(as_text=True)
    assert "badge-approved" in html and "Approved</dt>" in html and "posted" in html
    assert (_balance(web, source), _balance(web, target)) == (500_000, 0)
    assert "Reverse a transfer" in client.get("/approvals?status=approved").get_data(as_text=True)
    assert "Nothing waits for approval." in client.get("/approvals").get_data(as_text=True)


def test_the_requesters_own_approve_is_refused_in_the_item_and_stays_pending(web, transfer, requested):
    _, source, target = transfer
    response = web.post(f"/approvals/{requested[1]}/approve", htmx=True)
    assert response.status_code == 403
    assert "A request needs another staff member&#39;s approval" in response.get_data(as_text=True)
    assert web.sql("SELECT status FROM approvals") == [("pending",)]
    assert _balance(web, target) == LARGE


def test_rejecting_needs_a_reason_then_moves_nothing(web, client, transfer, requested):
    _, source, target = transfer
    _as_other_staff(web, client)
    refused = web.post(f"/approvals/{requested[1]}/reject", {"reason": "  "}, htmx=True)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    done = web.post(f"/approvals/{requested[1]}/reject", {"reason": "The customer paid twice"}, htmx=True)
    assert done.status_code == 200
    assert _toast(done) == "Rejected: Reverse a transfer of $1,500.00. Nothing was changed."
    assert "The customer paid twice" in done.get_data(as_text=True)
    assert web.sql("SELECT status, decision_reason FROM approvals") == [("rejected", "The customer paid twice")]
    assert _balance(web, target) == LARGE


def test_without_javascript_a_refused_approve_shows_the_page_with_the_message(web, client, requested):
    response = web.post(f"/approvals/{requested[1]}/approve")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "<h1>Approvals</h1>" in html and "another staff member&#39;s approval" in html


def test_customers_get_403_on_the_inbox(web, client):
    web.customer()
    assert client.get("/approvals").status_code == 403
    assert 'href="/approvals"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["teller", "admin"])
def test_staff_navigation_links_the_inbox(web, client, role):
    web.staff(role)
    assert 'href="/approvals"' in client.get("/teller").get_data(as_text=True)


def test_an_unknown_status_filter_is_refused(web, client):
    web.staff("teller")
    assert client.get("/approvals?status=maybe").status_code == 422


def test_granting_admin_on_the_admin_page_waits_and_a_second_admin_approves_it(web, client):
    target = web.user("Future Admin", role="teller")
    web.staff("admin")
    response = web.post(f"/admin/users/{target.id}/role", {"role": "admin", "reason": "Branch manager"}, htmx=True)
    assert response.status_code == 200
    assert _toast(response) == "Sent for approval: making Future Admin an admin needs a second admin. See Approvals."
    row = response.get_data(as_text=True)
    assert "Admin role awaiting approval" in row and 'href="/approvals"' in row
    assert web.sql("SELECT role FROM users WHERE id = ?", target.id) == [("teller",)]
    _as_other_staff(web, client, "teller")
    html = client.get("/approvals").get_data(as_text=True)
    assert "Make Future Admin an admin" in html and "Only an admin decides on a new admin." in html
    [(approval_id,)] = web.sql("SELECT id FROM approvals")
    assert f'action="/approvals/{approval_id}/approve"' not in html
    _as_other_staff(web, client, "admin")
    approved = web.post(f"/approvals/{approval_id}/approve", htmx=True)
    assert approved.status_code == 200
    assert web.sql("SELECT role FROM users WHERE id = ?", target.id) == [("admin",)]


def test_the_staff_navigation_counts_the_requests_waiting(web, client, transfer, requested):
    badge = 'data-approvals-waiting>1<span class="visually-hidden"> waiting</span>'
    assert badge in client.get("/teller").get_data(as_text=True)
    _as_other_staff(web, client, role="admin")
    assert badge in client.get("/admin").get_data(as_text=True)
    assert web.post(f"/approvals/{requested[1]}/approve", htmx=True).status_code == 200
    assert "data-approvals-waiting" not in client.get("/admin").get_data(as_text=True)  # decided: none waits


def test_a_customer_has_no_approvals_badge(web, client, transfer, requested):
    client.delete_cookie("corebank_session")
    web.customer("Carol Customer")
    html = client.get("/").get_data(as_text=True)
    assert "data-approvals-waiting" not in html and 'href="/approvals"' not in html
