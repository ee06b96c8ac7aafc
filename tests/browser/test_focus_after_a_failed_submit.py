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


def test_a_wrong_password_puts_focus_on_the_forms_message(visitor, live_server):
    """A form-level refusal (401: no single field is wrong) focuses the form's message, not <body>."""
    dana = live_server.user("Dana Scully")
    me = visitor("focus-login")
    page = me.page
    me.goto("/login")
    page.get_by_label("Email").fill(dana.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()

    message = page.locator("form .form-message")
    expect(message).to_have_text("Wrong email or password.")
    expect(message).to_be_focused()
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "-1"
    assert me.watch.unexpected(allow=[r"status of 401"]) == []


def test_closing_an_account_that_holds_money_puts_focus_on_the_forms_message(visitor, live_server):
    walter = live_server.user("Walter Skinner")
    account = live_server.account(walter, 5_000)
    me = visitor("focus-close")
    page = me.page
    me.login(walter.email)
    me.goto(f"/accounts/{account.id}")

    page.locator("#action-close summary").click()
    page.get_by_role("button", name=f"Yes, close account {account.number}").click()

    message = page.locator("#action-close .form-message")
    expect(message).to_have_text("Only an account with a zero balance can be closed. Move or withdraw the money first.")
    expect(message).to_be_focused()
    me.shoot("close-refused-focus")
    assert me.watch.unexpected(allow=[r"status of 409"]) == []
