"""The web pages share the API's limits (SPEC section 2): login per IP and per email, register per IP."""

from __future__ import annotations

import pytest

from entities.errors import DomainError
from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN": "3/minute",
        "RATELIMIT_LOGIN_EMAIL": "2/minute",
        "RATELIMIT_REGISTER": "1/minute",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def test_web_login_is_limited_per_email_before_the_lockout(web):
    user = web.user()
    assert web.login(user, "wrong password one").status_code == 401
    assert web.login(user, "wrong password two").status_code == 401
    response = web.login(user, PASSWORD)
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]


def test_web_login_is_limited_per_ip_across_emails(web):
    for index in range(3):
        assert web.login(f"nobody{index}@example.com", "wrong password").status_code == 401
    assert web.login("nobody9@example.com", "wrong password").status_code == 429


def test_showing_the_login_page_does_not_count(web, client):
    for _ in range(5):
        assert client.get("/login").status_code == 200
    assert web.login(web.user()).status_code == 303


def test_web_registration_is_limited_per_ip(web):
    first = web.post("/register", {"email": "one@example.com", "password": PASSWORD, "full_name": "One"})
    assert first.status_code == 303
    web.post("/logout")  # registering signed "one" in
    second = web.post("/register", {"email": "two@example.com", "password": PASSWORD, "full_name": "Two"})
    assert second.status_code == 429
    assert web.sql("SELECT COUNT(*) FROM users") == [(1,)]


def test_a_logged_in_page_is_counted_per_user(web, client):
    """The default limit keys a web session by its user (a web principal has a user_id too)."""
    web.customer()
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "300"


def test_a_locked_user_hears_423_not_429_however_often_they_try(web, services):
    user = web.user()
    for attempt in range(5):  # locked through the service, so no web attempt has been counted yet
        with pytest.raises(DomainError):
            services.identity.authenticate(web.actor(user), user.email, f"wrong password {attempt}")
    for _ in range(4):  # more than the per-email limit of 2
        assert web.login(user, PASSWORD).status_code == 423


def test_a_correct_login_refused_by_the_limit_is_told_so_in_the_form_in_words(web):
    user = web.user()
    for index in range(3):
        web.login(f"nobody{index}@example.com", "wrong password")
    token = web.csrf("/login")
    response = web.client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<form")  # the login form itself, not a toast
    assert "Too many attempts in a short time from here. Wait a minute, then try again." in body
    assert f'value="{user.email}"' in body
    assert "Rate limit exceeded" not in body and "HX-Reswap" not in response.headers
