"""SPEC section 10 (issue 14, item 5): after a failed HTMX submit, focus lands on the first invalid
field of the form that answered, not on <body>: the form that answers itself replaces the element
htmx swapped, so the focus must be looked for in the new one."""

from __future__ import annotations

from playwright.sync_api import expect


def test_a_refused_deposit_puts_focus_on_its_amount_field(visitor, live_server):
    fox = live_server.user("Fox Mulder")
    account = live_server.account(fox, 5_000)
    me = visitor("focus")
    page = me.page
    me.login(fox.email)
    me.goto(f"/accounts/{account.id}")

    page.locator("#action-deposit summary").click()
    form = page.locator(f"form[hx-post$='/accounts/{account.id}/deposit']")
    form.get_by_label("Amount (USD)").fill("0")
    form.get_by_role("button", name="Deposit").click()

    amount = page.locator("#deposit-amount")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "deposit-amount"
    me.shoot("deposit-refused-focus")
    assert me.watch.unexpected(allow=[r"status of 422"]) == []
