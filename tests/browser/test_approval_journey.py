"""Dual control in a browser (SPEC 15): a teller reverses a large entry on the account page and is
told it was sent for approval; a second teller approves it in the inbox and the balance changes.
The inbox is screenshotted and checked by axe-core at 1280x800 and 390x844."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from entities.users import Actor
from tests.conftest import PIN

pytestmark = pytest.mark.browser


def test_a_large_reversal_waits_for_a_second_teller(visitor, live_server):
    alice, bob = live_server.user("Alice Cooper"), live_server.user("Bob Builder")
    source, target = live_server.account(alice, 500_000), live_server.account(bob)
    entry = live_server.services.ledger.transfer(
        Actor(user_id=alice.id, role=alice.role), source.id, target.number, 150_000, PIN, "Rent for May"
    )
    maker, checker = live_server.user("Tina Teller", role="teller"), live_server.user("Tom Checker", role="teller")

    # Tina reverses the transfer on Bob's account page: it is sent for approval, nothing moves
    me = visitor("approvals-maker")
    page = me.page
    me.login(maker.email)
    me.goto(f"/accounts/{target.id}")
    expect(page.locator("#account-balance")).to_have_text("$1,500.00")
    page.get_by_text(f"Reverse… entry #{entry.id}").click()
    page.get_by_label("Reason", exact=True).fill("Sent twice by mistake")  # not "Reason for closing"
    page.get_by_role("button", name=f"Reverse entry #{entry.id}").click()
    expect(page.locator("#toasts")).to_contain_text(f"Sent for approval: reversing entry #{entry.id} ($1,500.00)")
    line = page.locator("#history-rows tr").filter(has_text="Reversal awaiting approval")
    expect(line).to_be_visible()
    expect(page.locator("#account-balance")).to_have_text("$1,500.00")
    me.shoot("account-sent-for-approval")
    line.get_by_role("link", name="See approvals").click()
    expect(page.get_by_role("heading", name="Approvals", exact=True)).to_be_visible()
    mine = page.locator("article.approval").first
    expect(mine).to_contain_text("Waiting for another staff member")
    expect(mine.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)

    # Tom sees who asked, what, how much and why, and approves after confirming
    them = visitor("approvals-checker")
    page = them.page
    them.login(checker.email)
    them.goto("/approvals")
    item = page.locator("article.approval").first
    expect(item).to_contain_text("Reverse a transfer of $1,500.00")
    expect(item).to_contain_text("$1,500.00 would go back from Bob Builder's Checking")
    expect(item).to_contain_text("Tina Teller")
    expect(item).to_contain_text("Sent twice by mistake")
    expect(item).to_contain_text("UTC")
    them.shoot("inbox")
    violations = them.axe_both_sizes("/approvals")
    item.get_by_text("Approve…").click()
    expect(item.get_by_text("This posts the reversal now, under your name.")).to_be_visible()
    them.shoot("inbox-confirm")
    violations += them.axe_both_sizes("/approvals confirm")
    them.mark_document()
    item.get_by_role("button", name="Approve: reverse $1,500.00").click()
    expect(page.locator("#toasts")).to_contain_text("Approved and done: Reverse a transfer of $1,500.00.")
    expect(page.locator("article.approval").first).to_contain_text("Approved")
    assert them.same_document()

    # The balance changed: Bob's $1,500.00 went back to Alice
    them.goto(f"/accounts/{target.id}")
    expect(page.locator("#account-balance")).to_have_text("$0.00")
    them.goto("/approvals?status=approved")
    expect(page.locator("article.approval").first).to_contain_text("by you")
    them.shoot("inbox-approved")
    violations += them.axe_both_sizes("/approvals?status=approved")
    assert violations == [], "\n".join(violations)
    assert me.watch.unexpected() == [] and them.watch.unexpected() == []
