"""A customer registers, logs in, opens an account, deposits, transfers to another customer, and logs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, PIN

pytestmark = pytest.mark.browser


def test_customer_journey(visitor, live_server):
    bob = live_server.user("Bob Dylan")
    bob_account = live_server.account(bob)
    me = visitor("customer")
    page = me.page

    # Register
    me.goto("/register")
    me.shoot("register")
    page.get_by_label("Full name").fill("Alice Cooper")
    page.get_by_label("Email").fill("alice.journey@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create profile").click()
    # Registering signs you in and lands on the dashboard
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", name="Hello, Alice Cooper")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("Welcome, Alice Cooper.")
    me.shoot("dashboard-empty")

    # Open an account: the list refreshes itself, no reload
    me.mark_document()
    page.get_by_label("Account type").select_option("checking")
    page.get_by_label("Transaction PIN").fill(PIN)
    page.get_by_role("button", name="Open account").click()
    expect(page.locator("#toasts")).to_contain_text("account")
    tile = page.locator(".account-tile").first
    expect(tile).to_contain_text("$0.00")
    assert me.same_document()

    # Deposit on the account page: balance and history update in place
    tile.click()
    expect(page.get_by_role("heading", name=re.compile("Checking account"))).to_be_visible()
    me.mark_document()
    page.locator("#action-deposit summary").click()  # the money forms are disclosures
    page.get_by_label("Amount (USD)").first.fill("500.00")
    page.get_by_role("button", name="Deposit").click()
    expect(page.locator("#account-balance")).to_have_text("$500.00")
    expect(page.locator("#history-rows")).to_contain_text("Cash deposit")
    expect(page.locator("#toasts")).to_contain_text("Deposited $500.00")
    assert me.same_document()
    me.shoot("account")

    # A wrong PIN is shown next to the field, not as a blank swap
    page.locator("#action-withdraw summary").click()
    page.locator("#withdraw-amount").fill("20.00")
    page.locator("#withdraw-pin").fill("9999")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator("#withdraw-pin-error")).to_contain_text("2 attempts left")
    me.shoot("account-wrong-pin")

    # Change the PIN (the wrong one above left 2 attempts; the right one resets the count)
    page.locator("#action-pin summary").click()
    page.get_by_label("Current PIN").fill(PIN)
    page.get_by_label("New PIN").fill("8642")
    page.get_by_role("button", name="Change PIN").click()
    expect(page.locator("#toasts")).to_contain_text("PIN changed.")
    expect(page.get_by_label("Current PIN")).to_have_value("")

    # Transfer to Bob: lookup as you type, confirmation step, PIN
    page.get_by_role("link", name="Transfer from this account").click()
    expect(page.get_by_role("heading", name="Send money")).to_be_visible()
    page.get_by_label("To account number").press_sequentially(bob_account.number, delay=20)
    expect(page.locator("#recipient")).to_contain_text("Account holder: Bob D.")
    page.get_by_label("Amount").fill("125.00")
    page.get_by_label("Memo (optional)").fill("Concert tickets")
    me.shoot("transfer-details")
    page.get_by_role("button", name="Review transfer").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    me.shoot("transfer-confirm")
    page.get_by_label("PIN of the sending account").fill("8642")  # the PIN changed above
    page.get_by_role("button", name="Confirm transfer").click()
    expect(page.get_by_role("heading", name="Transfer sent")).to_be_visible()
    expect(page.locator(".receipt .balance")).to_have_text("$375.00")
    expect(page.locator("#toasts")).to_contain_text("Sent $125.00 to Bob D.")
    me.shoot("transfer-done")

    # The account shows the new balance and the transfer in its history
    page.get_by_role("link", name="View account").click()
    expect(page.locator("#account-balance")).to_have_text("$375.00")
    expect(page.locator("#history-rows")).to_contain_text("To Bob D.")
    expect(page.locator("#history-rows")).not_to_contain_text(bob_account.number)  # words, not numbers

    # History filters swap the rows in place
    me.mark_document()
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Kind").select_option("transfer")
    expect(page.locator("#history-rows tr")).to_have_count(1)
    assert me.same_document()

    # The dashboard: balance, activity and chart
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator(".account-tile").first).to_contain_text("$375.00")
    expect(page.locator("svg.chart polyline")).to_have_count(1)
    me.shoot("dashboard")

    me.goto("/settings/security")
    expect(page.get_by_role("heading", name="Active sessions")).to_be_visible()
    me.shoot("security")

    # Log out: the session is gone
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(live_server.url + "/login")
    expect(page.locator("#toasts")).to_contain_text("You are logged out.")
    me.goto("/")
    expect(page).to_have_url(live_server.url + "/login")

    assert me.watch.unexpected(allow=[r"status of 403"]) == []  # the wrong PIN above answers 403


def test_customer_closes_an_empty_account_but_not_a_funded_one(visitor, live_server):
    dana = live_server.user("Dana Scully")
    funded = live_server.account(dana, 2_000)
    empty = live_server.account(dana, type="savings")
    me = visitor("closing")
    page = me.page
    me.login(dana.email)

    # A funded account refuses, with the reason where the button was
    me.goto(f"/accounts/{funded.id}")
    page.locator("#action-close summary").click()
    page.get_by_role("button", name=f"Yes, close account {funded.number}").click()
    expect(page.get_by_role("alert")).to_contain_text("Only an account with a zero balance can be closed.")
    me.shoot("account-close-refused")

    # The empty one closes: the page shows it closed, without money forms, and without a reload
    me.goto(f"/accounts/{empty.id}")
    me.mark_document()
    page.locator("#action-close summary").click()
    me.shoot("account-close-confirm")
    page.get_by_role("button", name=f"Yes, close account {empty.number}").click()
    expect(page.locator("#toasts")).to_contain_text(f"Account {empty.number} is closed.")
    expect(page.locator("#account-summary")).to_contain_text("Closed")
    expect(page.get_by_role("button", name="Deposit")).to_have_count(0)
    expect(page.get_by_role("button", name="Change PIN")).to_have_count(0)
    assert me.same_document()
    me.shoot("account-closed")

    assert me.watch.unexpected(allow=[r"status of 409"]) == []  # the refused close above
