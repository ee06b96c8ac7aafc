"""Web-page fixtures: a browser-like client that logs in through the form and sends CSRF tokens."""

from __future__ import annotations

import itertools
import re

import pytest

from entities.users import Actor, Role
from tests.conftest import PASSWORD, PIN
from tests.support.databases import BehindTheBack

_emails = itertools.count(1)
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class WebHelper:
    """Drives the HTML pages the way a browser does: GET a page, read its CSRF token, POST the form."""

    def __init__(self, client, services, database_url):
        self.client = client
        self.services = services
        self.database_url = database_url

    # --- arranging state through the services (fast, no HTTP) ---
    def user(self, full_name="Web Customer", role="customer", email=None):
        email = email or f"web{next(_emails)}@example.com"
        return self.services.identity.register(Actor(), email, PASSWORD, full_name, role=Role(role))

    def actor(self, user):
        return Actor(user_id=user.id, role=user.role)

    def account(self, user, amount_cents=0, type="checking"):
        account = self.services.accounts.open(self.actor(user), type, PIN)
        if amount_cents:
            self.services.ledger.deposit(self.actor(user), account.id, amount_cents)
        return self.services.accounts.get(self.actor(user), account.id)

    # --- HTTP, as a browser would ---
    def csrf(self, path="/login") -> str:
        response = self.client.get(path)
        match = _CSRF_META.search(response.get_data(as_text=True))
        assert match, f"no csrf meta tag on {path} ({response.status_code})"
        return match.group(1)

    def post(self, path, data=None, *, htmx=False, token=True, headers=None):
        data = dict(data or {})
        if token:
            data.setdefault(
                "csrf_token", self.csrf("/login" if path in ("/login", "/register") else "/settings/security")
            )
        extra = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data=data, headers={**extra, **(headers or {})})

    def confirm_transfer(self, source, target, pin=PIN, key="k-1", amount="25.00"):
        """The transfer form's confirmation step (HTMX), to ``target``'s holder "Bob D."."""
        form = {
            "from_account_id": source.id,
            "to_account_number": target.number,
            "holder": "Bob D.",
            "amount": amount,
            "memo": "Rent",
            "pin": pin,
            "idempotency_key": key,
        }
        return self.post("/transfers", form, htmx=True)

    def login(self, user_or_email, password=PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        token = self.csrf("/login")
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def customer(self, full_name="Web Customer"):
        user = self.user(full_name)
        assert self.login(user).status_code == 303
        return user

    def staff(self, role="teller"):
        user = self.user(f"Staff {role.capitalize()}", role=role)
        assert self.login(user).status_code == 303
        return user

    def session_cookie(self):
        return self.client.get_cookie("corebank_session")

    # --- reading the database behind the application's back (for time travel and "nothing changed") ---
    def sql(self, statement, *params):
        with BehindTheBack(self.database_url) as conn:
            return conn.rows(statement, params)

    def snapshot(self) -> dict:
        """Row counts and money: what a forged request must not change. On PostgreSQL the sealer
        first folds what is pending, so a system balance is read as it will stay."""
        self.services.uow.seal()
        tables = ("users", "accounts", "journal_entries", "postings", "sessions", "audit_log")
        counts = {table: self.sql(f"SELECT COUNT(*) FROM {table}")[0][0] for table in tables}
        counts["balances"] = self.sql("SELECT id, balance_cents FROM accounts ORDER BY id")
        counts["user_state"] = self.sql("SELECT id, role, failed_logins, admin_locked FROM users ORDER BY id")
        counts["account_state"] = self.sql("SELECT id, status, pin_locked FROM accounts ORDER BY id")
        return counts


@pytest.fixture
def web(client, services, app_config):
    return WebHelper(client, services, app_config["DATABASE_URL"])
