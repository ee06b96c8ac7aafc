"""Review of issue 14, items 3, 4 and 9, in a browser: a teller on a customer's PIN-locked account
reads the lock in words and lifts it right there; a reversal sent without a reason comes back with the
error by the reason field, which has the focus; closing the account asks for a reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from entities.errors import DomainError
from entities.users import Actor

pytestmark = pytest.mark.browser


def test_a_teller_unlocks_reverses_and_closes_on_the_account_page(visitor, live_server):
    carol = live_server.user("Carol Danvers")
    checking = live_server.account(carol, 10_000)
    for _ in range(3):  # three wrong PINs lock the account
        with pytest.raises(DomainError):
            live_server.services.ledger.withdraw(Actor(user_id=carol.id, role=carol.role), checking.id, 100, "9999")
    teller = live_server.user("Tess Teller", role="teller")
    me = visitor("staff-account")
    page = me.page
    me.login(teller.email)
    me.goto(f"/accounts/{checking.id}")

    summary = page.locator("#account-summary")
    expect(summary).to_contain_text("Three wrong PINs locked this account")
    expect(summary).to_contain_text("Check with the customer first, then lift it here.")
    me.shoot("locked-account-staff-view")
    assert me.axe_both_sizes("locked account") == []
    summary.get_by_role("button", name=f"Unlock PIN of account {checking.number}").click()
    expect(page.locator("#toasts")).to_contain_text(f"The PIN lock on account {checking.number} is lifted.")
    expect(page.locator("#account-summary")).not_to_contain_text("PIN locked")
    expect(page.locator("#account-summary").get_by_role("button", name="Unlock PIN")).to_have_count(0)

    # A reversal without a reason: the error stands by the field, which gets the focus
    items, _ = live_server.services.ledger.history(Actor(user_id=carol.id, role=carol.role), checking.id)
    entry_id = next(item.entry_id for item in items if item.kind == "deposit")
    page.get_by_text(f"Reverse… entry #{entry_id}").click()
    page.get_by_role("button", name=f"Reverse entry #{entry_id}").click()
    reason = page.locator(f"#reverse-{entry_id}-reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    expect(page.locator(f"#reverse-{entry_id}-reason-error")).to_have_text("say why: the audit log keeps the reason")
    expect(page.locator("#toasts .toast")).to_have_count(1)  # only the unlock's, no error toast

    # Closing asks for a reason (money still in the account: refused in words, focus on the message)
    page.locator("#action-close summary").click()
    close = page.locator("#action-close")
    expect(close.get_by_label("Reason for closing")).to_be_visible()
    close.get_by_label("Reason for closing").fill("Customer moved abroad")
    me.shoot("close-form-with-reason")
    close.get_by_role("button", name=f"Yes, close account {checking.number}").click()
    expect(close.locator(".form-message")).to_be_focused()
    expect(close.get_by_label("Reason for closing")).to_have_value("Customer moved abroad")
    assert me.watch.unexpected(allow=[r"status of 422", r"status of 409"]) == []
