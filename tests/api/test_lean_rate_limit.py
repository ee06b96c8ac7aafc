"""The lean limiter (issue 10) keeps every limit exact at its boundary, on the in-memory store and on
Redis: the Nth request of a budget passes, the N+1st is 429 with Retry-After, across routes sharing
one budget, across two apps sharing one Redis (two workers), and again once the window has passed.
The memory store never starts a timer thread."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.helpers import assert_problem
from tests.support.services import require_redis

REDIS_URI = "redis://127.0.0.1:6379/13"


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    """The limiter's store: in-memory, or Redis with a key prefix of this test's own (parallel runs)."""
    if request.param == "memory":
        yield {"RATELIMIT_STORAGE_URI": "memory://"}
        return
    require_redis()
    prefix = f"LIMITS-test-{uuid.uuid4().hex}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URI, "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": prefix}}
    import redis

    store = redis.Redis.from_url(REDIS_URI)
    keys = store.keys(f"{prefix}:*")
    if keys:
        store.delete(*keys)


@pytest.fixture
def app_config(app_config, storage):
    return {
        **app_config,
        **storage,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_REGISTER": "1000/minute",
        "RATELIMIT_LOGIN": "1000/minute",
        "RATELIMIT_LOGIN_EMAIL": "1000/minute",
        "RATELIMIT_MONEY": "3/minute",
        "RATELIMIT_LOOKUP": "10/minute",
        "RATELIMIT_DEFAULT": "300/minute",
    }


def _deposit(client, headers, account_id):
    return client.post(f"/api/v1/accounts/{account_id}/deposits", json={"amount_cents": 100}, headers=headers)


def test_the_third_money_request_passes_and_the_fourth_is_429(api, client):
    _, headers = api.customer()
    account = api.account(headers)
    answers = [_deposit(client, headers, account["id"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"3"}
    assert all("Retry-After" not in a.headers for a in answers)
    over = _deposit(client, headers, account["id"])
    assert_problem(over, 429, "rate_limited")
    assert 0 < int(over.headers["Retry-After"]) <= 60
    assert over.headers["X-RateLimit-Remaining"] == "0"
    assert api.get_account(headers, account["id"])["balance_cents"] == 300


def test_one_money_budget_across_routes(api, client):
    """Deposits and transfers count against the one RATELIMIT_MONEY budget of the user."""
    _, headers = api.customer()
    source, target = api.account(headers), api.account(headers, type="savings")
    assert _deposit(client, headers, source["id"]).status_code == 201
    assert _deposit(client, headers, source["id"]).status_code == 201
    assert api.transfer(headers, source["id"], target["number"], 50).status_code == 201
    assert_problem(api.transfer(headers, source["id"], target["number"], 50), 429, "rate_limited")
    assert api.get_account(headers, target["id"])["balance_cents"] == 50


def test_the_budget_is_exact_under_concurrency_across_two_apps(app, app_config, api, client):
    """Two apps (two workers) on one store: of 30 concurrent lookups by one user exactly 10 pass.
    (The memory store is per process: there each app has its own budget, so only Redis is shared.)"""
    from app import create_app
    from app.config import SECRET_NAMES

    _, headers = api.customer()
    shared = app_config["RATELIMIT_STORAGE_URI"].startswith("redis")
    same_bank = {name: app.config[name] for name in (*SECRET_NAMES, "DATABASE_URL")}
    other = create_app({**app_config, **same_bank}) if shared else app
    clients = [app.test_client(), other.test_client()]

    def lookup(index):
        return clients[index % 2].get("/api/v1/accounts/lookup?number=0000000000", headers=headers).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lookup, range(30)))
    assert statuses.count(429) == 20
    assert sorted(set(statuses) - {429}) == [404]  # the ten that passed reached the view


def test_the_window_opens_again_when_it_has_passed(app, api, client):
    app.config["RATELIMIT_MONEY"] = "2 per 2 seconds"  # read at request time, parsed once per text
    _, headers = api.customer()
    account = api.account(headers)
    assert [_deposit(client, headers, account["id"]).status_code for _ in range(3)] == [201, 201, 429]
    time.sleep(2.1)
    assert [_deposit(client, headers, account["id"]).status_code for _ in range(3)] == [201, 201, 429]


@pytest.mark.parametrize("storage", ["memory"], indirect=True)
def test_the_memory_store_starts_no_timer_thread(app, api, client, monkeypatch):
    _, headers = api.customer()

    def no_timer(*args, **kwargs):
        raise AssertionError("the rate limiter started a threading.Timer")

    monkeypatch.setattr(threading, "Timer", no_timer)
    before = threading.active_count()
    for _ in range(40):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert threading.active_count() == before
