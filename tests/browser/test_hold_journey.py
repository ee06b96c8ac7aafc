"""Holds in a browser (SPEC 13, 14): a customer authorises a payment on the cards page (the simulated
merchant terminal), sees the available balance drop on the account page, captures part of it, and
finds the purchase in the history; a teller places a hold at the desk and releases it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PIN

pytestmark = pytest.mark.browser


def test_authorise_see_available_drop_capture_see_purchase(visitor, live_server):
    dana, account, card = live_server.carded("Dana Scully", 20_000)
    me = visitor("holds-customer")
    page = me.page
    me.login(dana.email)

    # The cards page is the merchant terminal of this simulation, and says so
    me.goto("/cards")
    terminal = page.locator(f"#authorizations-{card.id}")
    expect(terminal).to_contain_text("No card payments yet.")
    page.get_by_text("Authorise a payment").click()
    expect(terminal).to_contain_text("A simulation")
    me.shoot("cards-terminal")
    me.mark_document()
    page.get_by_label("Merchant").fill("Corner Coffee")
    page.get_by_label("Amount (USD)").fill("42.50")
    page.get_by_label("Card PIN").fill(PIN)
    page.get_by_role("button", name="Authorise payment").click()
    expect(page.locator("#toasts")).to_contain_text("Authorised $42.50 at Corner Coffee")
    pending = page.locator(".authorization").filter(has_text="Corner Coffee")
    expect(pending).to_contain_text("Pending")
    assert me.same_document()
    me.shoot("cards-authorised")

    # The account page leads with the money: balance, available, the pending hold
    me.goto(f"/accounts/{account.id}")
    expect(page.locator("#account-balance")).to_have_text("$200.00")
    expect(page.locator("#account-available")).to_have_text("$157.50")
    expect(page.locator("#account-held")).to_have_text("$42.50")
    expect(page.locator(".hold-list")).to_contain_text("Corner Coffee")
    expect(page.locator("#history-rows")).not_to_contain_text("Corner Coffee")  # a hold is not a line
    me.shoot("account-with-hold")

    # Capturing more than was held is refused next to the field, which gets the focus
    me.goto("/cards")
    amount = pending.get_by_label(re.compile("^Amount to capture"))
    amount.fill("99.00")
    pending.get_by_role("button", name=re.compile("^Capture")).click()
    error = pending.locator(".field-error")
    expect(error).to_have_text("must be at most $42.50, the amount held")
    expect(pending.get_by_label(re.compile("^Amount to capture"))).to_be_focused()
    me.shoot("cards-capture-refused")

    # Capture part of it: the rest is released
    pending.get_by_label(re.compile("^Amount to capture")).fill("40.00")
    pending.get_by_role("button", name=re.compile("^Capture")).click()
    expect(page.locator("#toasts")).to_contain_text("Captured $40.00 at Corner Coffee. The other $2.50")
    expect(page.locator(".authorization").filter(has_text="Corner Coffee")).to_contain_text("Captured")
    me.shoot("cards-captured")

    # The purchase is in the history; nothing is held any more
    me.goto(f"/accounts/{account.id}")
    expect(page.locator("#account-balance")).to_have_text("$160.00")
    expect(page.locator("#account-available")).to_have_text("$160.00")
    expect(page.locator("#account-held")).to_have_text("$0.00")
    line = page.locator("#history-rows tr").filter(has_text="Corner Coffee")
    expect(line).to_contain_text("Card purchase")
    expect(line).to_contain_text("-$40.00")
    me.shoot("account-after-capture")

    # Lower the daily limit; raising it again is for a teller
    page.get_by_text("No daily limit on money out").click()
    page.get_by_label("New daily limit (USD)").fill("100")
    page.get_by_role("button", name=re.compile("^Set the limit")).click()
    expect(page.locator("#toasts")).to_contain_text("is $100.00")
    expect(page.locator(f"#limit-line-{account.id}")).to_contain_text("$60.00 left today")
    me.shoot("account-limit")
    assert me.watch.unexpected(allow=[r"status of 422"]) == []  # the refused capture, on purpose


def test_teller_places_and_releases_a_hold_at_the_desk(visitor, live_server):
    fox, account, _ = live_server.carded("Fox Mulder", 30_000)
    teller = live_server.user("Walter Skinner", role="teller")
    me = visitor("holds-teller")
    page = me.page
    me.login(teller.email)
    me.goto(f"/teller/customers/{fox.id}")
    me.mark_document()
    form = page.locator("form").filter(has=page.get_by_role("button", name="Place hold"))
    form.get_by_label("Amount").fill("75")
    form.get_by_label("Reason").fill("Disputed cheque")
    form.get_by_label("Number").fill("3")
    form.get_by_label("Unit").select_option("days")
    page.get_by_role("button", name="Place hold").click()
    expect(page.locator("#toasts")).to_contain_text("Placed a hold of $75.00")
    holds = page.locator("#customer-holds")
    expect(holds).to_contain_text("Disputed cheque")
    expect(holds).to_contain_text("$225.00")  # available
    assert me.same_document()
    me.shoot("desk-hold")

    page.get_by_text("Release…").click()
    page.get_by_role("button", name=re.compile(r"^Yes, release \$75\.00")).click()
    expect(page.locator("#toasts")).to_contain_text("Released the hold of $75.00")
    expect(holds).not_to_contain_text("Disputed cheque")
    me.shoot("desk-released")
    assert me.watch.unexpected() == []
