"""SPEC section 10 (issue 14, item 3): the account page leads with money. On a 390x844 phone the
balance and the first history line are on the first screen, the action forms folded away; the
customer's deposit says it is simulated cash."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.conftest import PIN

pytestmark = pytest.mark.browser


def test_on_a_phone_the_first_history_line_is_above_the_fold(visitor, live_server):
    dana = live_server.user("Dana Scully")
    account = live_server.account(dana, 50_000)
    actor = type(live_server.counter)(user_id=dana.id, role=dana.role)
    live_server.services.ledger.withdraw(actor, account.id, 2_500, PIN, "Groceries")
    me = visitor("account-phone")
    page = me.page
    me.login(dana.email)
    page.set_viewport_size(PHONE)
    me.goto(f"/accounts/{account.id}")

    first_line = page.locator("#history-rows tr").first
    expect(first_line).to_contain_text("Cash withdrawal")
    box = first_line.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], f"first history line ends at {box['y'] + box['height']}"
    assert page.locator("#account-balance").bounding_box()["y"] < 400
    expect(page.locator("#deposit-amount")).to_be_hidden()  # folded until asked for

    page.locator("#action-deposit summary").click()
    expect(page.locator("#action-deposit")).to_contain_text("simulated cash")
    expect(page.locator("#deposit-amount")).to_be_visible()
    assert me.axe_both_sizes("account") == []
    me.shoot("account-deposit-open")
    page.locator("#action-deposit summary").click()
    page.set_viewport_size(PHONE)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "account-phone-first-screen-390.png")  # the first screen only
    page.set_viewport_size(DESKTOP)
    me.shoot("account")
    assert me.watch.unexpected() == []


def test_the_deposit_toast_never_covers_the_form_it_answers(visitor, live_server):
    dana = live_server.user("Dana Scully")
    account = live_server.account(dana, 1_000)
    me = visitor("toast-phone")
    page = me.page
    me.login(dana.email)
    page.set_viewport_size(PHONE)
    me.goto(f"/accounts/{account.id}")
    page.locator("#action-deposit summary").click()
    page.locator("#deposit-amount").fill("5.00")
    page.locator("#deposit-amount").scroll_into_view_if_needed()
    page.get_by_role("button", name="Deposit", exact=True).click()
    toast = page.locator("#toasts .toast").first
    expect(toast).to_contain_text("Deposited $5.00")
    form = page.locator("#action-deposit form").bounding_box()
    shown = toast.bounding_box()
    overlap = min(form["y"] + form["height"], shown["y"] + shown["height"]) - max(form["y"], shown["y"])
    assert overlap <= 0, f"the toast covers {overlap:.0f} px of the deposit form"
    page.set_viewport_size(DESKTOP)
    assert me.watch.unexpected() == []
