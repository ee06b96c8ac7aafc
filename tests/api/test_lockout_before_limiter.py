"""SPEC section 2: with the default login limits on, the lockout answers before the limiter."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN": "5/minute",
        "RATELIMIT_LOGIN_EMAIL": "10/minute",
        "RATELIMIT_REGISTER": "100/minute",
    }


def login(client, email, password):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_sixth_attempt_from_one_ip_is_user_locked_not_rate_limited(api, client):
    user = api.register()
    statuses = [login(client, user["email"], "wrong password!!").status_code for _ in range(5)]
    assert statuses == [401] * 5
    sixth = login(client, user["email"], PASSWORD)
    assert sixth.status_code == 423
    assert sixth.json["code"] == "user_locked"


def test_unlocked_user_is_still_limited_per_ip(api, client):
    emails = [api.register()["email"] for _ in range(6)]
    statuses = [login(client, email, "wrong password!!").status_code for email in emails]
    assert statuses == [401] * 5 + [429]
