"""SPEC 15 on the pages: enrol on the security page (a QR code drawn on the server, the key in fours,
the first code, the recovery codes once), the login's code step, the staff factor rule, turning the
factor off, and step-up on the transfer confirmation, the withdrawal and the teller's pay-out."""

from __future__ import annotations

import html
import re

import pytest

from app.web.two_step import qr_svg
from services.totp import provisioning_uri
from tests.conftest import PASSWORD, PIN

SECRET_SHOWN = re.compile(r'data-testid="mfa-secret"[^>]*>([A-Z2-7 ]+)</code>')
RECOVERY_CODE = re.compile(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>")
MFA_TOKEN = re.compile(r'name="mfa_token" value="([^"]+)"')

CONFIGS = {
    "staff need a factor": {"MFA_REQUIRED_FOR_STAFF": True},
    "limits on": {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3/minute", "RATELIMIT_STORAGE_URI": "memory://"},
}
STAFF_NEED_A_FACTOR = pytest.mark.parametrize("app_config", ["staff need a factor"], indirect=True)
LIMITS_ON = pytest.mark.parametrize("app_config", ["limits on"], indirect=True)


@pytest.fixture
def app_config(app_config, request):
    """The tests' config, plus what a test's STAFF_NEED_A_FACTOR or LIMITS_ON mark asks for."""
    return {**app_config, **CONFIGS.get(getattr(request, "param", None), {})}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def enrol_through_pages(web, totp) -> tuple[str, list[str]]:
    """The security page's forms, as a person uses them: (secret, recovery codes)."""
    page = _text(web.post("/settings/security/mfa", {"password": PASSWORD}))
    secret = SECRET_SHOWN.search(page).group(1).replace(" ", "")
    page = _text(web.post("/settings/security/mfa/confirm", {"code": totp.code(secret), "secret": secret}))
    return secret, RECOVERY_CODE.findall(page)


def password_step(web, user) -> str:
    """Step one of the login for a user with a factor: the mfa_token of the code step."""
    response = web.login(user)
    assert response.status_code == 200
    return MFA_TOKEN.search(response.get_data(as_text=True)).group(1)


def code_step(web, mfa_token, code=None, recovery_code=None, htmx=False, **extra):
    data = {"mfa_token": mfa_token, "code": code or "", "recovery_code": recovery_code or "", **extra}
    return web.post("/login/code", {**data, "csrf_token": web.csrf("/login")}, htmx=htmx, token=False)


def signed_up_with_a_factor(web, totp, full_name="Ada Lovelace", role="customer"):
    """A user with a factor (enrolled through the pages), signed out again: (user, secret, codes)."""
    user = web.user(full_name, role=role)
    assert web.login(user).status_code == 303
    secret, codes = enrol_through_pages(web, totp)
    web.post("/logout", {})
    return user, secret, codes


# --- enrolment ---


def test_enrolment_shows_a_server_drawn_qr_code_and_the_key_in_fours(web):
    web.customer()
    response = web.post("/settings/security/mfa", {"password": PASSWORD})
    assert response.status_code == 200
    page = _text(response)
    drawn = re.search(
        r'<svg class="qr-code" role="img" aria-label="QR code for your authenticator app" viewBox="0 0 (\d+) \1"'
        r'.*?<path fill="#000" d="([^"]+)"/></svg>',
        page,
    )
    assert drawn
    assert "<script" not in page.split('id="two-step"')[1].split("</section>")[0]  # no script in the card
    shown = SECRET_SHOWN.search(page).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", shown)
    # The modules drawn are the QR code of this secret's otpauth:// URI.
    email = web.sql("SELECT email FROM users ORDER BY id DESC LIMIT 1")[0][0]
    expected = qr_svg(provisioning_uri(shown.replace(" ", ""), email))
    assert (int(drawn.group(1)), drawn.group(2)) == (expected["size"], expected["path"])
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page


def test_enrolment_over_htmx_answers_the_card_only(web):
    web.customer()
    response = web.post("/settings/security/mfa", {"password": PASSWORD}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="two-step"')
    assert "qr-code" in body


def test_a_wrong_password_is_refused_next_to_the_password_field(web, services):
    user = web.customer()
    response = web.post("/settings/security/mfa", {"password": "not my password at all"}, htmx=True)
    assert response.status_code == 401
    body = _text(response)
    assert 'id="mfa-enrol-password-error"' in body and "That is not your password." in body
    assert 'aria-describedby="mfa-enrol-password-hint mfa-enrol-password-error"' in body
    assert services.mfa.status(web.actor(user)).pending is False


def test_confirming_turns_the_factor_on_and_shows_ten_recovery_codes_once(web, services, totp):
    user = web.customer()
    secret, codes = enrol_through_pages(web, totp)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert services.mfa.status(web.actor(user)).enabled is True
    page = _text(web.client.get("/settings/security"))
    assert not RECOVERY_CODE.findall(page)  # shown once: not on the next visit
    assert not any(code in page for code in codes)
    assert secret not in page.replace(" ", "")
    assert "On since" in page and "10 recovery codes left." in page


def test_the_recovery_codes_page_says_this_session_is_not_verified(web, totp):
    web.customer()
    page = _text(web.post("/settings/security/mfa", {"password": PASSWORD}))
    secret = SECRET_SHOWN.search(page).group(1).replace(" ", "")
    response = web.post("/settings/security/mfa/confirm", {"code": totp.code(secret), "secret": secret}, htmx=True)
    body = _text(response)
    assert response.status_code == 200
    assert "This is the only time they are shown" in body
    assert "This session is not verified yet." in body
    assert 'download="corebank-recovery-codes.txt"' in body


def test_a_wrong_first_code_is_refused_and_the_qr_code_stays(web, services, totp):
    user = web.customer()
    page = _text(web.post("/settings/security/mfa", {"password": PASSWORD}))
    secret = SECRET_SHOWN.search(page).group(1).replace(" ", "")
    wrong = "000000" if totp.code(secret) != "000000" else "111111"
    response = web.post("/settings/security/mfa/confirm", {"code": wrong, "secret": secret})
    assert response.status_code == 401
    body = _text(response)
    assert 'id="mfa-confirm-code-error"' in body and "That code didn't work." in body
    assert 'aria-invalid="true"' in body
    assert "qr-code" in body and SECRET_SHOWN.search(body).group(1).replace(" ", "") == secret
    assert services.mfa.status(web.actor(user)).enabled is False


def test_a_forged_key_in_the_confirm_form_is_not_drawn(web, totp):
    web.customer()
    web.post("/settings/security/mfa", {"password": PASSWORD})
    response = web.post("/settings/security/mfa/confirm", {"code": "123456", "secret": "<b>not a key</b>"})
    assert response.status_code == 401
    assert "qr-code" not in response.get_data(as_text=True)


# --- the login's code step ---


def test_a_user_with_a_factor_gets_a_code_step_after_the_password(web, totp):
    user, secret, _ = signed_up_with_a_factor(web, totp)
    response = web.login(user)
    assert response.status_code == 200
    assert web.session_cookie() is None
    body = response.get_data(as_text=True)
    code_input = re.search(r'<input id="login-code" name="code"[^>]*>', body).group(0)
    assert 'autocomplete="one-time-code"' in code_input and 'inputmode="numeric"' in code_input
    assert MFA_TOKEN.search(body)
    assert "recovery code" in body
    assert 'action="/login/code"' in body


def test_the_code_step_over_htmx_replaces_the_login_form(web, totp):
    user, _, _ = signed_up_with_a_factor(web, totp)
    response = web.post("/login", {"email": user.email, "password": PASSWORD, "next": "/statements"}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith("<form") and 'action="/login/code"' in body
    assert '<input type="hidden" name="next" value="/statements">' in body


def test_the_right_code_signs_in_with_a_session_verified_by_otp(web, totp):
    user, secret, _ = signed_up_with_a_factor(web, totp)
    token = password_step(web, user)
    response = code_step(web, token, totp.code(secret), next="/statements")
    assert response.status_code == 303 and response.headers["Location"] == "/statements"
    rows = web.sql("SELECT amr FROM sessions WHERE user_id = ? AND kind = 'web' ORDER BY created_at", user.id)
    assert rows[-1][0] == "pwd otp"
    page = _text(web.client.get("/settings/security"))
    assert "This session was verified with a code." in page
    assert "Verified with a code" in page  # the sessions list


def test_a_recovery_code_signs_in_once(web, services, totp):
    user, _, codes = signed_up_with_a_factor(web, totp)
    response = code_step(web, password_step(web, user), recovery_code=codes[0].upper())
    assert response.status_code == 303
    assert services.mfa.status(web.actor(user)).recovery_codes_left == 9
    web.post("/logout", {})
    again = code_step(web, password_step(web, user), recovery_code=codes[0], htmx=True)
    assert again.status_code == 401
    body = _text(again)
    assert 'id="login-recovery_code-error"' in body and "That code didn't work." in body
    assert '<details class="disclosure recovery-disclosure" open>' in body


def test_a_wrong_code_says_so_and_keeps_the_code_step(web, totp):
    user, secret, _ = signed_up_with_a_factor(web, totp)
    token = password_step(web, user)
    right = totp.code(secret)
    wrong = "000000" if right != "000000" else "111111"
    response = code_step(web, token, wrong, htmx=True)
    assert response.status_code == 401
    body = _text(response)
    assert "That code didn't work." in body and 'aria-invalid="true"' in body
    assert f'value="{token}"' in body  # the same step: a wrong code does not spend it
    assert web.sql("SELECT failed_logins FROM users WHERE id = ?", user.id)[0][0] == 1
    assert code_step(web, token, right).status_code == 303


def test_five_wrong_codes_lock_the_sign_in_and_the_page_says_until_when(web, totp):
    user, secret, _ = signed_up_with_a_factor(web, totp)
    token = password_step(web, user)
    for _ in range(5):
        assert code_step(web, token, "000000" if totp.code(secret) != "000000" else "111111").status_code == 401
    response = code_step(web, token, totp.code(secret), htmx=True, email=user.email)
    assert response.status_code == 423
    body = _text(response)
    assert "Too many wrong passwords or codes: this sign-in is locked until" in body
    assert 'action="/login"' in body and f'value="{user.email}"' in body  # back to step one
    assert web.session_cookie() is None


def test_a_spent_or_unknown_code_step_goes_back_to_the_password(web, totp):
    user, _, _ = signed_up_with_a_factor(web, totp)
    response = code_step(web, "no-such-step", "123456", email=user.email)
    assert response.status_code == 401
    body = _text(response)
    assert "That sign-in took too long or was already used." in body
    assert 'action="/login"' in body and 'name="password"' in body
    assert f'value="{user.email}"' in body


def test_a_code_step_older_than_five_minutes_goes_back_to_the_password(web, totp):
    user, secret, _ = signed_up_with_a_factor(web, totp)
    token = password_step(web, user)
    totp.tick(10)  # five minutes on
    response = code_step(web, token, totp.code(secret), htmx=True)
    assert response.status_code == 401
    assert "That sign-in took too long" in _text(response)
    assert web.session_cookie() is None


@LIMITS_ON
def test_the_code_step_over_its_limit_says_so_in_the_form(web, totp):
    user, secret, _ = signed_up_with_a_factor(web, totp)
    token = password_step(web, user)
    for _ in range(3):
        assert code_step(web, token, "000000" if totp.code(secret) != "000000" else "111111").status_code == 401
    response = code_step(web, token, totp.code(secret), htmx=True, email=user.email)
    assert response.status_code == 429
    body = _text(response)
    assert body.lstrip().startswith("<form") and 'action="/login/code"' in body
    assert "Too many attempts in a short time from here. Wait a minute, then try again." in body
    assert f'value="{token}"' in body


# --- turning it off ---


def test_turning_the_factor_off_needs_the_password_and_a_code(web, services, totp):
    user = web.customer()
    secret, _ = enrol_through_pages(web, totp)
    response = web.post("/settings/security/mfa/disable", {"password": "wrong password 123", "code": totp.code(secret)})
    assert response.status_code == 401
    assert "That is not your password." in _text(response)
    response = web.post("/settings/security/mfa/disable", {"password": PASSWORD, "code": "12345x"}, htmx=True)
    assert response.status_code == 401
    assert 'id="mfa-disable-code-error"' in _text(response)
    assert services.mfa.status(web.actor(user)).enabled is True
    response = web.post("/settings/security/mfa/disable", {"password": PASSWORD, "code": totp.code(secret)})
    assert response.status_code == 303
    assert services.mfa.status(web.actor(user)).enabled is False
    assert "Two-step sign-in is off." in _text(web.client.get("/settings/security"))
    web.post("/logout", {})
    assert web.login(user).status_code == 303  # no code step any more


# --- staff ---


@STAFF_NEED_A_FACTOR
def test_staff_without_a_factor_land_on_the_security_page(web):
    teller = web.user("Tess Teller", role="teller")
    response = web.login(teller)
    assert response.status_code == 303 and response.headers["Location"] == "/settings/security"
    page = _text(web.client.get("/settings/security"))
    assert "Staff need two-step sign-in." in page
    assert web.client.get("/teller").status_code == 403


@STAFF_NEED_A_FACTOR
def test_staff_enrol_and_sign_in_again_with_a_code_to_reach_their_desk(web, totp):
    teller, secret, _ = signed_up_with_a_factor(web, totp, "Tess Teller", role="teller")
    response = code_step(web, password_step(web, teller), totp.code(secret))
    assert response.status_code == 303 and response.headers["Location"] == "/teller"
    assert web.client.get("/teller").status_code == 200


# --- step-up ---


def _large_transfer(web, source, target, **extra):
    form = {
        "from_account_id": source.id,
        "to_account_number": target.number,
        "holder": "Bob D.",
        "amount": "1000.00",
        "memo": "Car",
        "pin": PIN,
        "idempotency_key": extra.pop("key", "k-large"),
        **extra,
    }
    return web.post("/transfers", form, htmx=True)


@pytest.fixture
def rich_user_with_a_factor(web, totp):
    user = web.customer("Ada Lovelace")
    source = web.account(user, 500_000)
    target = web.account(web.user("Bob Dylan"))
    secret, _ = enrol_through_pages(web, totp)
    return user, source, target, secret


def _review(web, source, target, amount):
    form = {"from_account_id": source.id, "to_account_number": target.number, "amount": amount}
    return _text(web.post("/transfers/review", form, htmx=True))


def test_the_confirmation_asks_for_a_code_from_the_threshold_on(web, rich_user_with_a_factor):
    _, source, target, _ = rich_user_with_a_factor
    assert 'name="otp"' in _review(web, source, target, "1000.00")
    assert 'name="otp"' not in _review(web, source, target, "999.99")


def test_no_code_field_for_a_user_without_a_factor(web):
    user = web.customer()
    source = web.account(user, 500_000)
    target = web.account(web.user("Bob Dylan"))
    assert 'name="otp"' not in _review(web, source, target, "2000.00")


def test_a_large_transfer_without_a_code_asks_for_it(web, services, rich_user_with_a_factor):
    user, source, target, _ = rich_user_with_a_factor
    response = _large_transfer(web, source, target)
    assert response.status_code == 403
    body = _text(response)
    assert 'id="confirm-otp-error"' in body and "This amount needs a code from your authenticator app." in body
    assert services.accounts.get(web.actor(user), source.id).balance_cents == 500_000


def test_a_large_transfer_with_a_wrong_code_says_how_many_tries_are_left(web, services, totp, rich_user_with_a_factor):
    user, source, target, secret = rich_user_with_a_factor
    wrong = "000000" if totp.code(secret) != "000000" else "111111"
    response = _large_transfer(web, source, target, otp=wrong)
    assert response.status_code == 401
    body = _text(response)
    assert 'id="confirm-otp-error"' in body and "2 attempts left before the PIN locks" in body
    assert services.accounts.get(web.actor(user), source.id).balance_cents == 500_000


def test_a_large_transfer_with_the_right_code_moves_the_money(web, services, totp, rich_user_with_a_factor):
    user, source, target, secret = rich_user_with_a_factor
    assert _large_transfer(web, source, target).status_code == 403  # asked first; the same key goes on
    response = _large_transfer(web, source, target, otp=totp.code(secret))
    assert response.status_code == 200
    assert "Transfer sent" in response.get_data(as_text=True)
    assert services.accounts.get(web.actor(user), source.id).balance_cents == 400_000


def _withdraw(web, account, amount, **extra):
    form = {"amount": amount, "pin": PIN, "idempotency_key": extra.pop("key", f"w-{amount}"), **extra}
    return web.post(f"/accounts/{account.id}/withdraw", form, htmx=True)


def test_the_withdrawal_form_offers_the_code_field_to_a_user_with_a_factor(web, rich_user_with_a_factor):
    _, source, _, _ = rich_user_with_a_factor
    page = _text(web.client.get(f"/accounts/{source.id}"))
    assert 'id="withdraw-otp"' in page and "Needed for $1,000.00 or more." in page


def test_a_large_withdrawal_asks_refuses_and_then_pays_out(web, services, totp, rich_user_with_a_factor):
    user, source, _, secret = rich_user_with_a_factor
    response = _withdraw(web, source, "1000.00")
    assert response.status_code == 403
    assert 'id="withdraw-otp-error"' in _text(response)
    wrong = "000000" if totp.code(secret) != "000000" else "111111"
    response = _withdraw(web, source, "1000.00", otp=wrong)
    assert response.status_code == 401
    assert "attempts left before the PIN locks" in _text(response)
    response = _withdraw(web, source, "1000.00", otp=totp.code(secret))
    assert response.status_code == 200
    assert services.accounts.get(web.actor(user), source.id).balance_cents == 400_000


def test_a_withdrawal_just_under_the_threshold_needs_no_code(web, services, rich_user_with_a_factor):
    user, source, _, _ = rich_user_with_a_factor
    assert _withdraw(web, source, "999.99").status_code == 200
    assert services.accounts.get(web.actor(user), source.id).balance_cents == 500_000 - 99_999


def test_a_teller_with_a_factor_gives_their_own_code_for_a_large_pay_out(web, services, totp):
    customer = web.user("Carl Customer")
    account = web.account(customer, 500_000)
    teller, secret, _ = signed_up_with_a_factor(web, totp, "Tess Teller", role="teller")
    assert code_step(web, password_step(web, teller), totp.code(secret)).status_code == 303
    page = _text(web.client.get(f"/teller/customers/{customer.id}"))
    assert 'id="cash-otp"' in page
    form = {"account_id": account.id, "amount": "1500.00", "pin": PIN, "op": "withdraw", "idempotency_key": "t-1"}
    response = web.post(f"/teller/customers/{customer.id}/cash", form, htmx=True)
    assert response.status_code == 403 and 'id="cash-otp-error"' in _text(response)
    response = web.post(f"/teller/customers/{customer.id}/cash", {**form, "otp": totp.code(secret)}, htmx=True)
    assert response.status_code == 200
    assert services.accounts.get(web.actor(customer), account.id).balance_cents == 350_000
