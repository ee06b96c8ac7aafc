"""Shared fixtures: an app on a fresh SQLite file per test, a client, and an API helper."""

from __future__ import annotations

import itertools
import os

import pytest

os.environ["COREBANK_ENV"] = "test"

from app import create_app  # noqa: E402
from entities.users import Actor, Role  # noqa: E402
from tests.support import databases  # noqa: E402

PASSWORD = "correct horse battery staple"
PIN = "1234"
_counter = itertools.count(1)


@pytest.fixture
def database_url(tmp_path):
    """The test's own database: a SQLite file, or (COREBANK_TEST_DATABASE=postgresql) a PostgreSQL
    database copied from a migrated template and dropped afterwards."""
    if not databases.on_postgresql():
        yield f"sqlite:///{tmp_path / 'corebank.db'}"
        return
    url = databases.new_postgres_database()
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_templates():
    yield
    if databases.on_postgresql():
        databases.drop_templates()


@pytest.fixture
def app_config(tmp_path, database_url):
    return {
        "COREBANK_ENV": "test",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "BCRYPT_COST": 4,
        "RATELIMIT_ENABLED": False,
        "LOG_DIR": str(tmp_path / "logs"),
    }


@pytest.fixture
def app(app_config):
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    return app.extensions["corebank"]


class ApiHelper:
    """Builds users, tokens, accounts and money through the public API."""

    def __init__(self, client, services):
        self.client = client
        self.services = services

    def register(self, email=None, password=PASSWORD, full_name="Test Customer"):
        email = email or f"user{next(_counter)}@example.com"
        response = self.client.post(
            "/api/v1/auth/register", json={"email": email, "password": password, "full_name": full_name}
        )
        assert response.status_code == 201, response.json
        return response.json

    def login(self, email, password=PASSWORD):
        response = self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.json
        return response.json

    def headers(self, tokens, **extra):
        return {"Authorization": f"Bearer {tokens['access_token']}", **extra}

    def customer(self, full_name="Test Customer"):
        """(user, auth headers) for a new customer."""
        user = self.register(full_name=full_name)
        return user, self.headers(self.login(user["email"]))

    def staff(self, role="teller"):
        email = f"{role}{next(_counter)}@example.com"
        user = self.services.identity.register(Actor(), email, PASSWORD, f"Staff {role}", role=Role(role))
        return user, self.headers(self.login(email))

    def account(self, headers, type="checking", pin=PIN, **extra):
        response = self.client.post("/api/v1/accounts", json={"type": type, "pin": pin, **extra}, headers=headers)
        assert response.status_code == 201, response.json
        return response.json

    def deposit(self, headers, account_id, amount_cents, **extra_headers):
        return self.client.post(
            f"/api/v1/accounts/{account_id}/deposits",
            json={"amount_cents": amount_cents},
            headers={**headers, **extra_headers},
        )

    def funded_account(self, headers, amount_cents=10_000):
        account = self.account(headers)
        assert self.deposit(headers, account["id"], amount_cents).status_code == 201
        return self.get_account(headers, account["id"])

    def get_account(self, headers, account_id):
        return self.client.get(f"/api/v1/accounts/{account_id}", headers=headers).json

    def transfer(self, headers, from_id, to_number, amount_cents, pin=PIN, **extra_headers):
        return self.client.post(
            "/api/v1/transfers",
            json={"from_account_id": from_id, "to_account_number": to_number, "amount_cents": amount_cents, "pin": pin},
            headers={**headers, **extra_headers},
        )


@pytest.fixture
def totp(monkeypatch):
    """A clock for second-factor tests: ``totp.code(secret)`` is a fresh code (tests/support/totp.py)."""
    from tests.support.totp import TotpClock

    return TotpClock(monkeypatch)


@pytest.fixture
def api(client, services):
    return ApiHelper(client, services)
