"""Rate limits answer 429 with Retry-After and the problem envelope, and change nothing."""

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD

WRONG = "definitely the wrong password"


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_LOGIN": "2/minute",
        "RATELIMIT_LOGIN_EMAIL": "10/minute",
        "RATELIMIT_REGISTER": "3/minute",
        "RATELIMIT_MONEY": "2/minute",
        "RATELIMIT_DEFAULT": "300/minute",
    }


def _assert_rate_limited(response):
    problem = assert_problem(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    return problem


def test_login_over_the_per_ip_limit_is_429_with_retry_after(api, client):
    user = api.register()
    for _ in range(2):
        response = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD})
        assert response.status_code == 200
        assert "Retry-After" not in response.headers
    _assert_rate_limited(client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}))


def test_a_rate_limited_login_does_not_count_as_a_failure(api, client, services):
    user = api.register()
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"email": user["email"], "password": WRONG})
    for _ in range(5):
        _assert_rate_limited(client.post("/api/v1/auth/login", json={"email": user["email"], "password": WRONG}))
    with services.uow(write=False) as uow:
        assert uow.users.get(user["id"]).failed_logins == 2


def test_the_login_limit_is_per_ip(api, client):
    user = api.register()
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD})
    other_ip = client.post(
        "/api/v1/auth/login",
        json={"email": user["email"], "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other_ip.status_code == 200


def test_forwarded_for_is_not_trusted_by_default(api, client):
    user = api.register()
    for n in range(2):
        client.post(
            "/api/v1/auth/login",
            json={"email": user["email"], "password": PASSWORD},
            headers={"X-Forwarded-For": f"10.9.9.{n}"},
        )
    spoofed = client.post(
        "/api/v1/auth/login",
        json={"email": user["email"], "password": PASSWORD},
        headers={"X-Forwarded-For": "10.9.9.99"},
    )
    _assert_rate_limited(spoofed)


def test_the_lockout_answers_before_the_per_email_limit(api, client):
    """From several addresses, the sixth attempt on one email is 423 user_locked, not 429."""
    user = api.register()
    for n in range(5):
        response = client.post(
            "/api/v1/auth/login",
            json={"email": user["email"], "password": WRONG},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        assert_problem(response, 401, "invalid_credentials")
    sixth = client.post(
        "/api/v1/auth/login",
        json={"email": user["email"], "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert_problem(sixth, 423, "user_locked")


def test_registration_is_limited_per_ip(api, client):
    for _ in range(3):
        api.register()
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "fourth@example.com", "password": PASSWORD, "full_name": "Fourth"},
    )
    _assert_rate_limited(response)
    assert_problem(
        client.post("/api/v1/auth/login", json={"email": "fourth@example.com", "password": PASSWORD}),
        401,
        "invalid_credentials",
    )


def test_money_movement_limit_is_per_user_and_moves_nothing_when_hit(app, client, services):
    from entities.users import Actor

    # Users made in-process so the register limit (3/minute per IP) does not interfere.
    def customer(email):
        services.identity.register(Actor(), email, PASSWORD, "Limited Customer")
        token = client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": email}
        ).json["access_token"]
        return {"Authorization": f"Bearer {token}"}

    alice, bob = customer("alice@example.com"), customer("bob@example.com")
    account = client.post("/api/v1/accounts", json={"type": "checking", "pin": "1234"}, headers=alice).json
    deposit = f"/api/v1/accounts/{account['id']}/deposits"
    for _ in range(2):
        assert client.post(deposit, json={"amount_cents": 100}, headers=alice).status_code == 201
    _assert_rate_limited(client.post(deposit, json={"amount_cents": 100}, headers=alice))
    assert client.get(f"/api/v1/accounts/{account['id']}", headers=alice).json["balance_cents"] == 200
    bob_account = client.post("/api/v1/accounts", json={"type": "checking", "pin": "1234"}, headers=bob).json
    response = client.post(f"/api/v1/accounts/{bob_account['id']}/deposits", json={"amount_cents": 1}, headers=bob)
    assert response.status_code == 201


def test_health_checks_are_never_limited_while_the_default_limit_applies_elsewhere(app_config):
    from app import create_app

    strict = create_app({**app_config, "RATELIMIT_DEFAULT": "1/minute"}).test_client()
    assert strict.get("/api/v1/openapi.json").status_code == 200
    _assert_rate_limited(strict.get("/api/v1/openapi.json"))
    for _ in range(3):
        assert strict.get("/healthz").status_code == 200
        assert strict.get("/readyz").status_code == 200


def test_password_change_is_limited_per_user(app, api, client):
    app.config["RATELIMIT_LOGIN"] = "2/minute"
    _, headers = api.customer()
    body = {"current_password": "not my password!!", "new_password": "another long password"}
    statuses = [client.post("/api/v1/me/password", json=body, headers=headers).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
