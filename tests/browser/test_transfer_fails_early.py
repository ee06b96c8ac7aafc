"""SPEC section 10 (issue 14, item 11): a transfer to the sending account itself is refused on the
first step, before the PIN is asked for; one's own accounts are picked from a list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_transfer_to_the_same_account_is_refused_before_the_pin(visitor, live_server):
    dana = live_server.user("Dana Scully")
    checking = live_server.account(dana, 10_000)
    savings = live_server.account(dana, type="savings")
    me = visitor("transfer-early")
    page = me.page
    me.login(dana.email)
    me.goto(f"/transfers/new?from_account_id={checking.id}")

    page.get_by_label("To account number").fill(checking.number)
    page.get_by_label("Amount").fill("10.00")
    page.get_by_role("button", name="Review transfer").click()
    expect(page.locator("#transfer-to_account_number-error")).to_contain_text("the account you are sending from")
    expect(page.get_by_label("PIN of the sending account")).to_have_count(0)
    expect(page.get_by_label("To account number")).to_be_focused()
    me.shoot("same-account-refused")

    page.get_by_label("To account number").fill("")
    page.get_by_label("To one of your accounts").select_option(savings.number)
    page.get_by_role("button", name="Review transfer").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    expect(page.locator("#transfer-step")).to_contain_text("Dana S.")
    found = me.axe_both_sizes("transfer confirm")
    assert found == [], "\n".join(found)
    me.shoot("own-account-confirm")
    assert me.watch.unexpected(allow=[r"status of 422"]) == []


def test_the_recipient_lookup_says_it_is_looking_while_it_waits(visitor, live_server):
    """Item 15: a slow lookup shows "Looking up…" (the #recipient line carries htmx-request) until the
    holder's masked name arrives."""
    dana = live_server.user("Dana Scully")
    checking = live_server.account(dana, 10_000)
    bob = live_server.account(live_server.user("Bob Builder"))
    me = visitor("transfer-lookup")
    page = me.page
    me.login(dana.email)
    me.goto(f"/transfers/new?from_account_id={checking.id}")
    held = []
    page.route("**/transfers/lookup*", lambda route: held.append(route))  # answer only when told
    page.get_by_label("To account number").fill(bob.number)
    page.wait_for_function("() => document.querySelector('#recipient').classList.contains('htmx-request')")
    assert page.eval_on_selector("#recipient", "e => getComputedStyle(e, '::after').content") == '"Looking up…"'
    for route in held:
        route.continue_()
    page.unroute("**/transfers/lookup*")
    expect(page.locator("#recipient")).to_contain_text("Account holder: Bob B.")
    expect(page.locator("#recipient")).not_to_have_class("recipient htmx-request")
