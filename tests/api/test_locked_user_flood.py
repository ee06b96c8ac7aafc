"""SPEC section 2: attempts on a locked user hear 423 before the login limits, but they are not free:
past RATELIMIT_DEFAULT per minute from one IP they are 429, and they write at most one audit record
per user per minute, the next one carrying the count of the attempts in between."""

import json
import threading

import pytest

from entities.errors import DomainError
from entities.users import Actor
from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_DEFAULT": "10/minute",
        "RATELIMIT_LOGIN": "5/minute",
        "RATELIMIT_LOGIN_EMAIL": "10/minute",
    }


@pytest.fixture
def locked(services):
    """A user locked by five wrong passwords, through the service (no request counted by a limit)."""
    user = services.identity.register(Actor(), "flooded@example.com", PASSWORD, "Flooded User")
    for attempt in range(5):
        with pytest.raises(DomainError):
            services.identity.authenticate(Actor(ip="10.9.9.9"), user.email, f"wrong password {attempt}")
    return user


def _login(client, email, ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": ip}
    )


def _audit_rows(app):
    conn = raw_connection(app)
    try:
        return conn.execute("SELECT action, outcome, resource_id, details FROM audit_log ORDER BY id").fetchall()
    finally:
        conn.close()


def _denials(app, user):
    return [
        json.loads(details)
        for action, outcome, resource_id, details in _audit_rows(app)
        if (action, outcome, resource_id) == ("login", "denied", str(user.id))
    ]


def test_fifteen_attempts_from_one_ip_are_ten_423s_then_429s_and_write_one_audit_record(app, client, locked):
    before = len(_audit_rows(app))
    responses = [_login(client, locked.email) for _ in range(15)]
    for response in responses[:10]:
        assert_problem(response, 423, "user_locked")
    for response in responses[10:]:
        assert_problem(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) > 0
    assert len(_audit_rows(app)) == before + 1
    assert _denials(app, locked) == [{"reason": "user_locked", "unrecorded_attempts": 0}]


def test_the_locked_user_budget_is_per_ip(client, locked):
    for _ in range(10):
        _login(client, locked.email)
    assert_problem(_login(client, locked.email), 429, "rate_limited")
    assert_problem(_login(client, locked.email, ip="10.0.0.2"), 423, "user_locked")


def test_the_next_minutes_record_summarises_the_attempts_only_counted(app, client, locked):
    for _ in range(10):
        assert_problem(_login(client, locked.email), 423, "user_locked")
    conn = raw_connection(app)  # a minute passes
    conn.execute("UPDATE login_denials SET window_started_at = '2000-01-01T00:00:00.000000Z'")
    conn.close()
    assert_problem(_login(client, locked.email, ip="10.0.0.2"), 423, "user_locked")
    assert _denials(app, locked) == [
        {"reason": "user_locked", "unrecorded_attempts": 0},
        {"reason": "user_locked", "unrecorded_attempts": 9},
    ]


def test_an_admin_locked_user_is_bounded_the_same_way(app, client, services, api, admin):
    user = api.register()
    assert client.post(f"/api/v1/admin/users/{user['id']}/lock", json={}, headers=admin[1]).status_code == 200
    statuses = [_login(client, user["email"]).status_code for _ in range(12)]
    assert statuses == [423] * 10 + [429] * 2
    assert len([r for r in _audit_rows(app) if r[:3] == ("login", "denied", str(user["id"]))]) == 1


def test_the_lockout_still_answers_before_a_spent_login_limit(client, api):
    """The sixth login of a user locked from one IP is 423 although that IP's login limit (5) is spent."""
    user = api.register()
    for _ in range(5):
        assert_problem(_login(client, user["email"] + "x"), 401, "invalid_credentials")  # spends the IP limit
    assert_problem(_login(client, user["email"] + "x"), 429, "rate_limited")
    for _ in range(5):
        assert_problem(
            client.post(
                "/api/v1/auth/login",
                json={"email": user["email"], "password": "wrong password!!"},
                environ_base={"REMOTE_ADDR": "10.0.0.3"},
            ),
            401,
            "invalid_credentials",
        )
    assert_problem(_login(client, user["email"]), 423, "user_locked")


def test_concurrent_attempts_on_a_locked_user_write_exactly_one_record(app, services, locked):
    """The window lives in the database: threads (or processes) racing on it still write one record."""
    barrier = threading.Barrier(8)
    outcomes = []

    def attempt():
        barrier.wait(5)
        try:
            services.identity.authenticate(Actor(ip="10.0.0.1"), locked.email, PASSWORD)
        except DomainError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert outcomes == ["user_locked"] * 8
    assert _denials(app, locked) == [{"reason": "user_locked", "unrecorded_attempts": 0}]
    conn = raw_connection(app)
    assert conn.execute("SELECT suppressed FROM login_denials WHERE user_id = ?", (locked.id,)).fetchall()[0][0] == 7
    conn.close()
