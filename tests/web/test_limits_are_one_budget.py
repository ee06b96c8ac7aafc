"""SPEC section 2: each limit is one budget however it is reached. Money movement counts every
money-moving request of a user across API routes and web forms; the login limits count API and web
logins together; attempts on a locked user share one per-IP budget too."""

from __future__ import annotations

import pytest

from entities.errors import DomainError
from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD, PIN


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_MONEY": "3/minute",
        "RATELIMIT_LOGIN": "100/minute",
        "RATELIMIT_LOGIN_EMAIL": "100/minute",
        "RATELIMIT_DEFAULT": "300/minute",
    }


def _bearer(client, user):
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def _assert_web_rate_limited(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many requests" in response.get_data(as_text=True)


def _balances(web, *accounts):
    return [web.sql("SELECT balance_cents FROM accounts WHERE id = ?", a.id)[0][0] for a in accounts]


def test_api_routes_and_web_forms_of_one_user_share_the_money_limit(web, client):
    alice = web.customer("Alice Cooper")  # a web session on this client ...
    headers = _bearer(client, alice)  # ... and an API token, for the same user
    checking, savings = web.account(alice, 10_000), web.account(alice, type="savings")
    web.services.cards.issue(web.actor(alice), checking.id)
    [(card_id,)] = web.sql("SELECT id FROM cards WHERE account_id = ?", checking.id)
    deposit = client.post(f"/api/v1/accounts/{checking.id}/deposits", json={"amount_cents": 100}, headers=headers)
    purchase = client.post(
        f"/api/v1/cards/{card_id}/purchases",
        json={"amount_cents": 200, "merchant": "Corner Cafe", "pin": PIN},
        headers=headers,
    )
    form = web.post(f"/accounts/{checking.id}/deposit", {"amount": "3.00"}, htmx=True)
    assert (deposit.status_code, purchase.status_code, form.status_code) == (201, 201, 200)
    # The fourth money movement, by whichever route, is over the one budget of 3 per minute.
    _assert_web_rate_limited(web.post(f"/accounts/{checking.id}/withdraw", {"amount": "1.00", "pin": PIN}))
    over = client.post(
        "/api/v1/transfers",
        json={"from_account_id": checking.id, "to_account_number": savings.number, "amount_cents": 50, "pin": PIN},
        headers=headers,
    )
    assert_problem(over, 429, "rate_limited")
    assert int(over.headers["Retry-After"]) > 0
    assert _balances(web, checking, savings) == [10_000 + 100 - 200 + 300, 0]
    # Another user's budget is their own.
    bob = web.user("Bob Dylan")
    bob_account = web.account(bob)
    response = client.post(
        f"/api/v1/accounts/{bob_account.id}/deposits", json={"amount_cents": 100}, headers=_bearer(client, bob)
    )
    assert response.status_code == 201


def test_teller_cash_and_reversals_by_api_and_web_share_the_money_limit(web, client):
    customer = web.user("Grace Hopper")
    account = web.account(customer, 10_000)
    first = web.services.ledger.deposit(web.actor(customer), account.id, 2_500)
    second = web.services.ledger.deposit(web.actor(customer), account.id, 1_500)
    teller = web.staff("teller")
    headers = _bearer(client, teller)
    cash_path = f"/teller/customers/{customer.id}/cash"
    cash = web.post(cash_path, {"account_id": account.id, "amount": "1.00", "op": "deposit"}, htmx=True)
    by_api = client.post(f"/api/v1/transactions/{first.id}/reverse", json={}, headers=headers)
    by_form = web.post(f"/accounts/{account.id}/entries/{second.id}/reverse", {"reason": "Keyed twice"}, htmx=True)
    assert (cash.status_code, by_api.status_code, by_form.status_code) == (200, 201, 200)
    _assert_web_rate_limited(web.post(cash_path, {"account_id": account.id, "amount": "1.00", "op": "deposit"}))
    assert _balances(web, account) == [10_000 + 100]


def test_api_and_web_logins_from_one_ip_share_the_login_limit(app, web, client):
    app.config["RATELIMIT_LOGIN"] = "3/minute"
    token = web.csrf("/login")

    def web_login(email):
        return client.post("/login", data={"email": email, "password": "wrong password!!", "csrf_token": token})

    def api_login(email):
        return client.post("/api/v1/auth/login", json={"email": email, "password": "wrong password!!"})

    assert_problem(api_login("one@example.com"), 401, "invalid_credentials")
    assert web_login("two@example.com").status_code == 401
    assert_problem(api_login("three@example.com"), 401, "invalid_credentials")
    _assert_web_rate_limited(web_login("four@example.com"))
    assert_problem(api_login("five@example.com"), 429, "rate_limited")
    other_ip = client.post(
        "/api/v1/auth/login",
        json={"email": "six@example.com", "password": "wrong password!!"},
        environ_base={"REMOTE_ADDR": "10.7.7.7"},
    )
    assert_problem(other_ip, 401, "invalid_credentials")


def test_api_and_web_logins_share_the_per_email_limit(app, web, client):
    app.config["RATELIMIT_LOGIN_EMAIL"] = "2/minute"
    user = web.user()
    token = web.csrf("/login")
    api = client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": "wrong password!!"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert_problem(api, 401, "invalid_credentials")
    form = client.post(
        "/login",
        data={"email": user.email.upper(), "password": "wrong password!!", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert form.status_code == 401
    third = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.3"}
    )
    assert_problem(third, 429, "rate_limited")
    assert web.sql("SELECT failed_logins FROM users WHERE id = ?", user.id) == [(2,)]


def test_api_and_web_attempts_on_a_locked_user_share_one_per_ip_budget(app, web, client):
    app.config["RATELIMIT_DEFAULT"] = "10/minute"
    user = web.user()
    for attempt in range(5):  # locked through the service: no request counted yet
        with pytest.raises(DomainError):
            web.services.identity.authenticate(web.actor(user), user.email, f"wrong password {attempt}")
    token = web.csrf("/login")  # the one page view, under the default limit (10 per IP)
    statuses = []
    for attempt in range(12):
        if attempt % 2:
            response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        else:
            response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
        statuses.append(response.status_code)
    assert statuses == [423] * 10 + [429] * 2
