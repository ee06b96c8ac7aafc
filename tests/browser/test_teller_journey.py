"""A teller finds a customer, opens an account for them, takes and pays out cash, freezes and unlocks;
and transfers on a customer's behalf, refused early into the teller's own account, with the customer's PIN."""

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
    page.locator("#customer-panel").get_by_role("link", name=checking.number, exact=True).click()
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


def _overlap(one: dict, other: dict) -> float:
    """How many pixels two boxes share vertically (zero or less: none)."""
    return min(one["y"] + one["height"], other["y"] + other["height"]) - max(one["y"], other["y"])


def test_teller_transfers_on_a_customers_behalf(visitor, live_server):
    dana = live_server.user("Dana Scully")
    checking = live_server.account(dana, 10_000)
    savings = live_server.account(dana, type="savings")
    bob = live_server.account(live_server.user("Bob Barker"))
    teller = live_server.user("Terry Teller", role="teller")
    own = live_server.account(teller)
    me = visitor("teller-transfer")
    page = me.page
    me.login(teller.email)

    # From the customer's page: "Transfer" on the account the money leaves
    me.goto(f"/teller/customers/{dana.id}")
    me.shoot("customer")
    page.get_by_role("link", name=f"Transfer from account {checking.number}").click()
    expect(page.get_by_role("heading", name="Transfer for Dana Scully")).to_be_visible()
    expect(page.get_by_label("From Dana Scully's account")).to_have_value(str(checking.id))
    me.mark_document()

    # Into the teller's own account: refused on the first step, before any PIN is asked for
    page.get_by_label("To account number").fill(own.number)
    page.get_by_label("Amount").fill("10.00")
    page.get_by_role("button", name="Review transfer").click()
    expect(page.locator("#transfer-to_account_number-error")).to_contain_text("staff never move a customer's money")
    expect(page.get_by_label("Customer's PIN")).to_have_count(0)
    me.shoot("own-account-refused")

    # To another customer: the lookup names the holder, the review names both sides in words
    page.get_by_label("To account number").fill("")
    page.get_by_label("To account number").press_sequentially(bob.number, delay=20)
    expect(page.locator("#recipient")).to_contain_text("Account holder: Bob B.")
    expect(page.locator("#transfer-to_account_number-error")).to_have_count(0)  # it answered the number before
    page.get_by_label("Amount").fill("25.00")
    page.get_by_label("Memo (optional)").fill("Rent share")
    me.shoot("details")
    page.get_by_role("button", name="Review transfer").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    step = page.locator("#transfer-step")
    expect(step).to_contain_text(f"From Dana S.'s Checking ···{checking.number[-4:]} to Bob B. (···{bob.number[-4:]})")
    expect(step).to_contain_text("The customer types the PIN of the sending account here themselves")
    found = me.axe_both_sizes("teller transfer confirm")
    assert found == [], "\n".join(found)
    me.shoot("confirm")

    # A wrong PIN keeps the confirmation and says how many tries are left; then the right one
    page.get_by_label("Customer's PIN").fill("0000")
    page.get_by_role("button", name="Confirm transfer").click()
    expect(page.locator("#confirm-pin-error")).to_contain_text("Wrong PIN: 2 attempts left")
    me.shoot("wrong-pin")
    page.get_by_label("Customer's PIN").fill("1234")
    page.get_by_role("button", name="Confirm transfer").click()
    expect(page.get_by_role("heading", name="Transfer sent")).to_be_visible()
    expect(page.locator(".receipt .balance")).to_have_text("$75.00")
    toast = page.locator("#toasts .toast").last
    expect(toast).to_contain_text(f"Sent $25.00 from Dana S.'s Checking ···{checking.number[-4:]} to Bob B.")
    for size in ({"width": 390, "height": 844}, {"width": 1280, "height": 800}):  # ends where shoot() starts
        page.set_viewport_size(size)
        covered = _overlap(toast.bounding_box(), step.bounding_box())
        assert covered <= 0, f"the toast covers {covered:.0f} px of the receipt at {size['width']} px"
    me.shoot("done")

    # Between her own accounts: the target is picked from a list
    page.get_by_role("link", name="New transfer").click()
    page.get_by_label("To another of their accounts").select_option(savings.number)
    page.get_by_label("Amount").fill("10.00")
    page.get_by_role("button", name="Review transfer").click()
    expect(step).to_contain_text(f"to their Savings ···{savings.number[-4:]}")
    page.get_by_label("Customer's PIN").fill("1234")
    page.get_by_role("button", name="Confirm transfer").click()
    expect(page.locator("#toasts")).to_contain_text(f"to their Savings ···{savings.number[-4:]}.")
    me.shoot("between-accounts-done")

    # Back on her page, the balances show both transfers
    step.get_by_role("link", name="Back to Dana Scully").click()
    panel = page.locator("#customer-panel")
    expect(panel).to_contain_text("$65.00")
    expect(panel).to_contain_text("$10.00")
    assert me.watch.unexpected(allow=[r"status of 403"]) == []  # the refused own account and the wrong PIN
