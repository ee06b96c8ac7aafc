"""SPEC 15 in a browser: a customer sets up two-step sign-in from the security page by typing the key
shown beside the QR code (as someone whose phone cannot scan would), keeps the recovery codes, signs
out and in again with a code; a large transfer asks for a code on its confirmation step.

Codes are computed here from the key (services/totp.py) at the real clock's step: the live server's
clock is not ours to move, so each later code is one step ahead, inside the one-step drift window."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from entities import clock
from entities.mfa import step_of
from entities.users import Actor
from services.totp import code_at
from tests.conftest import PASSWORD, PIN

pytestmark = pytest.mark.browser


def _step() -> int:
    return step_of(clock.utcnow())


def _password_step(me, email):
    page = me.page
    me.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Code from your authenticator app")).to_be_visible()


def _code_step(me, code):
    page = me.page
    page.get_by_label("Code from your authenticator app").fill(code)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login/code")) as answer:
        page.get_by_role("button", name="Verify and log in").click()
    if answer.value.status == 204:
        page.wait_for_url(lambda url: "/login" not in url)
        page.wait_for_load_state("networkidle")
    return answer.value


def test_enrol_by_typing_the_key_keep_the_codes_and_sign_in_with_a_code(visitor, live_server):
    ada = live_server.user("Ada Lovelace")
    me = visitor("two-step")
    page = me.page
    me.login(ada.email)
    me.goto("/settings/security")
    card = page.locator("#two-step")
    expect(card).to_contain_text("Off")
    me.shoot("security-off")

    # Step 1: the password again; the card answers with the QR code and the key
    me.mark_document()
    card.get_by_label("Your password").fill(PASSWORD)
    card.get_by_role("button", name="Set up two-step sign-in").click()
    expect(card.locator("svg.qr-code")).to_be_visible()
    assert me.same_document()
    key = page.get_by_test_id("mfa-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)
    secret = key.replace(" ", "")
    box = card.locator("svg.qr-code").bounding_box()
    assert box["width"] >= 180  # large enough for a phone camera
    found = me.axe_both_sizes("security enrolling")
    assert found == [], "\n".join(found)
    me.shoot("security-enrolling")

    # A mistyped first code is refused next to the field, which gets the focus; the QR code stays
    card.get_by_label("6-digit code from the app").fill("000000" if code_at(secret, _step()) != "000000" else "111111")
    card.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(card.locator("#mfa-confirm-code-error")).to_contain_text("That code didn't work.")
    expect(card.get_by_label("6-digit code from the app")).to_be_focused()
    expect(card.locator("svg.qr-code")).to_be_visible()
    me.shoot("security-wrong-code")

    # The right one: ten recovery codes, shown this once, with a download
    card.get_by_label("6-digit code from the app").fill(code_at(secret, _step()))
    card.get_by_role("button", name="Turn on two-step sign-in").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    expect(card).to_contain_text("This session is not verified yet.")
    expect(card.get_by_role("button", name="Print")).to_be_visible()  # print.js revealed it
    with page.expect_download() as download:
        card.get_by_role("link", name="Download as a text file").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert codes.first.inner_text() in saved
    found = me.axe_both_sizes("recovery codes")
    assert found == [], "\n".join(found)
    me.shoot("security-recovery-codes")

    # Sign out from the card, then in again: the code step, in the login form's place
    card.get_by_role("button", name="I saved the codes: sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    _password_step(me, ada.email)
    code_input = page.get_by_label("Code from your authenticator app")
    expect(code_input).to_be_focused()
    expect(code_input).to_have_attribute("autocomplete", "one-time-code")
    found = me.axe_both_sizes("login code step")
    assert found == [], "\n".join(found)
    me.shoot("login-code-step")
    page.get_by_text("No phone? Use a recovery code instead").click()
    me.shoot("login-code-step-recovery")
    assert _code_step(me, code_at(secret, _step() + 1)).status == 204  # one step ahead: inside the drift window
    assert page.url.rstrip("/") == live_server.url

    # The security page: on, with ten codes left; this session verified with a code
    me.goto("/settings/security")
    expect(card).to_contain_text("On since")
    expect(card).to_contain_text("10 recovery codes left.")
    expect(card).to_contain_text("This session was verified with a code.")
    expect(page.locator("#sessions")).to_contain_text("Verified with a code")
    page.get_by_text("Turn off two-step sign-in").first.click()
    found = me.axe_both_sizes("security on")
    assert found == [], "\n".join(found)
    me.shoot("security-on")
    assert me.watch.unexpected(allow=[r"status of 401"]) == []  # the wrong first code, on purpose


def test_a_large_transfer_asks_for_a_code_on_its_confirmation(visitor, live_server):
    bea = live_server.user("Bea Brown")
    source = live_server.account(bea, 500_000)
    carl = live_server.user("Carl Clark")
    target = live_server.account(carl)
    actor = Actor(user_id=bea.id, role=bea.role)
    secret = live_server.services.mfa.begin(actor, PASSWORD).secret
    live_server.services.mfa.confirm(actor, code_at(secret, _step() - 1))  # leaves this step and the next
    me = visitor("step-up")
    page = me.page
    _password_step(me, bea.email)
    assert _code_step(me, code_at(secret, _step())).status == 204

    me.goto(f"/transfers/new?from_account_id={source.id}")
    page.get_by_label("To account number").fill(target.number)
    page.get_by_label("Amount").fill("1500.00")
    page.get_by_role("button", name="Review transfer").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    code_field = page.get_by_label("Code from your authenticator app")
    expect(code_field).to_be_focused()
    found = me.axe_both_sizes("transfer confirm with code")
    assert found == [], "\n".join(found)
    me.shoot("transfer-confirm-code")

    # Without the code the PIN alone is not enough: the field says what is missing
    page.get_by_label("PIN of the sending account").fill(PIN)
    page.get_by_role("button", name="Confirm transfer").click()
    expect(page.locator("#confirm-otp-error")).to_contain_text("needs a code from your authenticator app")
    expect(code_field).to_be_focused()
    me.shoot("transfer-code-missing")

    code_field.fill(code_at(secret, _step() + 1))
    page.get_by_label("PIN of the sending account").fill(PIN)
    page.get_by_role("button", name="Confirm transfer").click()
    expect(page.get_by_role("heading", name="Transfer sent")).to_be_visible()
    expect(page.locator("#transfer-step")).to_contain_text("$3,500.00")
    me.shoot("transfer-sent-with-code")
    assert me.watch.unexpected(allow=[r"status of 403"]) == []
