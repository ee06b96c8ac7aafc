"""A teller finds a customer, opens an account for them, takes and pays out cash, freezes and unlocks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from entities.errors import DomainError
from entities.users import Actor

pytestmark = pytest.mark.browser


def test_teller_journey(visitor, live_server):
    carol = live_server.user("Carol Danvers")
    checking = live_server.account(carol, 10_000)
    for _ in range(3):  # three wrong PINs lock her checking account
        with pytest.raises(DomainError):
            live_server.services.ledger.withdraw(Actor(user_id=carol.id, role=carol.role), checking.id, 100, "9999")
    teller = live_server.user("Tina Teller", role="teller")
    me = visitor("teller")
    page = me.page
    me.login(teller.email)
    expect(page.get_by_role("link", name="Teller desk")).to_be_visible()

    # The desk lists what needs unlocking; search finds the customer as you type
    me.goto("/teller")
    expect(page.locator("#unlock-queue")).to_contain_text(checking.number)
    me.mark_document()
    page.get_by_label("Email, name or account number").press_sequentially("Danvers", delay=20)
    expect(page.locator("#customer-results")).to_contain_text("Carol Danvers")
    assert me.same_document()
    me.shoot("desk-search")
    page.locator("#customer-results").get_by_role("link", name="Carol Danvers").click()
    expect(page.get_by_role("heading", name="Carol Danvers", exact=True)).to_be_visible()
    me.shoot("customer")

    # Lift the PIN lock
    me.mark_document()
    page.get_by_role("button", name=f"Unlock PIN of account {checking.number}").click()
    expect(page.locator("#toasts")).to_contain_text(f"The PIN lock on account {checking.number} is lifted.")
    expect(page.locator("#customer-panel")).not_to_contain_text("PIN locked")

    # Open a savings account for her
    page.get_by_label("Account type").select_option("savings")
    page.get_by_label("PIN chosen by the customer").fill("4321")
    page.get_by_role("button", name="Open account").click()
    expect(page.locator("#toasts")).to_contain_text("Opened savings account")
    expect(page.locator("#customer-panel tbody tr")).to_have_count(2)

    # Cash in, then pay out with her PIN
    page.locator("#cash-account_id").select_option(str(checking.id))
    page.locator("#cash-amount").fill("200.00")
    page.get_by_role("button", name="Deposit cash").click()
    expect(page.locator("#toasts")).to_contain_text(f"Deposited $200.00 to Checking ···{checking.number[-4:]}.")
    expect(page.locator("#customer-panel")).to_contain_text("$300.00")
    page.locator("#cash-account_id").select_option(str(checking.id))
    page.locator("#cash-amount").fill("50.00")
    page.locator("#cash-pin").fill("1234")
    page.get_by_role("button", name="Pay out cash").click()
    expect(page.locator("#toasts")).to_contain_text(f"Paid out $50.00 from Checking ···{checking.number[-4:]}.")
    expect(page.locator("#customer-panel")).to_contain_text("$250.00")

    # Freeze and unfreeze
    # Freeze asks for confirmation and a reason: the form does not go without one
    panel = page.locator("#customer-panel")
    panel.locator("summary", has_text=checking.number).click()
    panel.get_by_role("button", name=f"Freeze account {checking.number}").click()
    expect(
        panel.get_by_label(f"Reason for freezing ···{checking.number[-4:]}")
    ).to_be_focused()  # the browser asks for it
    expect(panel).not_to_contain_text("Frozen")
    me.shoot("customer-freeze-confirm")
    panel.get_by_label(f"Reason for freezing ···{checking.number[-4:]}").fill("Customer reported a stolen card")
    panel.get_by_role("button", name=f"Freeze account {checking.number}").click()
    expect(panel).to_contain_text("Frozen")
    me.shoot("customer-frozen")
    page.get_by_role("button", name=f"Unfreeze account {checking.number}").click()
    expect(panel.locator("summary", has_text=checking.number)).to_be_visible()
    assert me.same_document()

    # Reverse the $50.00 payout from the account's history: balance and history refresh in place
    page.locator("#customer-panel").get_by_role("link", name=checking.number).click()
    expect(page.get_by_role("link", name="Back to the customer")).to_be_visible()
    me.mark_document()
    expect(page.locator("#history-rows tr").first).to_contain_text("Cash withdrawal")
    payout = page.locator("#history-rows details").first  # the newest line's action: the payout
    payout.locator("summary").click()
    payout.get_by_label("Reason").fill("Paid out twice by mistake")
    me.shoot("account-reverse")
    payout.get_by_role("button", name="Reverse entry").click()
    expect(page.locator("#toasts")).to_contain_text("$50.00 moved back")
    expect(page.locator("#account-balance")).to_have_text("$300.00")
    expect(page.locator("#history-rows tr").first).to_contain_text("Paid out twice by mistake")
    expect(page.locator("#history-rows")).to_contain_text("Reversed")
    assert me.same_document()
    me.shoot("account-reversed")

    # The teller may not use the admin pages
    response = me.goto("/admin")
    assert response.status == 403
    me.shoot("forbidden")

    assert me.watch.unexpected(allow=[r"status of 403"]) == []  # the refused /admin above
