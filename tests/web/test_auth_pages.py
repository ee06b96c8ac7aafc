"""Login, registration, logout and the session cookie (SPEC section 2, web sessions)."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def test_login_sets_an_httponly_lax_session_cookie(web, client):
    user = web.user()
    response = web.login(user)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("corebank_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # SPEC section 2: Secure outside development


def test_session_cookie_is_not_secure_in_development(app, web):
    app.config["COREBANK_ENV"] = "development"
    response = web.login(web.user())
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("corebank_session="))
    assert "Secure" not in cookie


def test_dashboard_without_a_session_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_a_page_without_a_session_redirects_to_login_and_back(client):
    response = client.get("/settings/security")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/settings/security"


def test_login_returns_to_the_page_that_asked_for_it(web, client):
    user = web.user()
    login_page = client.get("/login?next=/settings/security").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/settings/security">' in login_page
    token = web.csrf("/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/settings/security", "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings/security"


def test_login_follows_a_local_next_but_never_another_site(web):
    user = web.user()
    token = web.csrf("/login")
    response = web.client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "//evil.example/x", "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_wrong_password_rerenders_the_form_with_the_error(web):
    user = web.user()
    response = web.login(user, "wrong password here")
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Wrong email or password." in body
    assert f'value="{user.email}"' in body  # the email is kept, the password is not
    assert web.session_cookie() is None


def test_wrong_password_over_htmx_returns_only_the_form(web):
    user = web.user()
    response = web.post("/login", {"email": user.email, "password": "wrong password here"}, htmx=True)
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<form")
    assert "Wrong email or password." in body


def test_sixth_login_after_five_failures_is_locked_even_with_the_right_password(web):
    user = web.user()
    for _ in range(5):
        assert web.login(user, "wrong password here").status_code == 401
    response = web.login(user)
    assert response.status_code == 423
    assert "locked" in response.get_data(as_text=True)
    assert web.session_cookie() is None


def test_htmx_login_redirects_the_whole_page(web):
    user = web.user()
    response = web.post("/login", {"email": user.email, "password": PASSWORD}, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


def test_register_creates_a_customer_and_signs_them_in(web, services, client):
    response = web.post("/register", {"email": "New@Example.com", "password": PASSWORD, "full_name": "New Person"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert web.sql("SELECT role, timezone FROM users WHERE email = 'new@example.com'") == [("customer", "UTC")]
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Welcome, New Person. Open your first account to get started." in dashboard.get_data(as_text=True)


def test_register_adopts_the_browsers_time_zone(web):
    data = {"email": "tz@example.com", "password": PASSWORD, "full_name": "Zoe Zone", "timezone": "Europe/Berlin"}
    assert web.post("/register", data).status_code == 303
    assert web.sql("SELECT timezone FROM users WHERE email = 'tz@example.com'") == [("Europe/Berlin",)]


def test_register_with_an_unknown_browser_zone_starts_on_utc(web):
    data = {"email": "tz2@example.com", "password": PASSWORD, "full_name": "Zoe Zone", "timezone": "Mars/Olympus"}
    assert web.post("/register", data).status_code == 303
    assert web.sql("SELECT timezone FROM users WHERE email = 'tz2@example.com'") == [("UTC",)]


def test_a_short_password_error_does_not_repeat_the_hint(web):
    response = web.post("/register", {"email": "short@example.com", "password": "short", "full_name": "Short"})
    body = response.get_data(as_text=True)
    assert "must be 12 to 128 characters" in body
    assert "a passphrase works well" not in body


def test_register_with_a_taken_email_shows_the_error_next_to_the_field(web):
    user = web.user()
    response = web.post("/register", {"email": user.email, "password": PASSWORD, "full_name": "Copy Cat"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert 'id="register-email-error"' in body
    assert "is already registered" in body


def test_register_with_a_short_password_is_422_with_the_field_error(web):
    response = web.post("/register", {"email": "short@example.com", "password": "short", "full_name": "Short"})
    assert response.status_code == 422
    assert "must be 12 to 128 characters" in response.get_data(as_text=True)
    assert web.sql("SELECT COUNT(*) FROM users") == [(0,)]


def test_logout_deletes_the_session_and_a_replayed_cookie_is_rejected(web, client):
    web.customer()
    cookie = web.session_cookie().value
    response = web.post("/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert web.sql("SELECT COUNT(*) FROM sessions") == [(0,)]
    client.set_cookie("corebank_session", cookie)  # an attacker replays the old cookie
    replay = client.get("/")
    assert replay.status_code == 303
    assert replay.headers["Location"] == "/login"


def test_logout_is_audited(web):
    user = web.customer()
    web.post("/logout")
    assert web.sql("SELECT outcome FROM audit_log WHERE action = 'logout' AND actor_id = ?", user.id) == [("success",)]


def test_a_full_name_with_markup_is_shown_escaped(web, client):
    web.customer("<script>alert(1)</script>")
    body = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_logged_in_user_visiting_login_goes_to_the_dashboard(web, client):
    web.customer()
    response = client.get("/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_locked_sign_in_says_when_the_lock_ends_and_who_can_lift_it(web):
    user = web.user("Locked Out")
    for attempt in range(5):
        web.login(user, f"wrong password {attempt}")
    token = web.csrf("/login")
    response = web.client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 423
    body = response.get_data(as_text=True)
    assert re.search(r"locked until \d\d:\d\d UTC \(in \d+ minutes?\)", body), body
    assert "ask a teller to unlock it sooner" in body
    assert "try again later" not in body.lower()


def test_the_zone_picker_offers_canonical_zones_with_their_offsets(web, client):
    web.customer()
    html = client.get("/settings/security").get_data(as_text=True)
    assert '<option value="Asia/Kolkata">Kolkata (UTC+05:30)</option>' in html  # in the "Asia" group
    for alias in ("Asia/Calcutta", "US/Eastern", "Etc/GMT+5", "GB"):
        assert f'value="{alias}"' not in html
