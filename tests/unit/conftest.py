"""Service-level fixtures: actors and accounts made in-process, without HTTP."""

import itertools

import pytest

from entities.users import Actor, Role
from tests.support.scratch import scratch_dir

PASSWORD = "correct horse battery staple"
PIN = "1234"
_counter = itertools.count(1)


class Bank:
    """Builds actors, accounts and balances straight through the service layer."""

    def __init__(self, services):
        self.services = services

    def actor(self, role=Role.CUSTOMER, full_name="Unit Customer") -> Actor:
        email = f"{role}{next(_counter)}@example.com"
        user = self.services.identity.register(Actor(ip="127.0.0.1"), email, PASSWORD, full_name, role=role)
        return Actor(user_id=user.id, role=user.role, ip="127.0.0.1", request_id=f"req-{user.id}")

    def account(self, actor: Actor, balance_cents: int = 0, **extra):
        account = self.services.accounts.open(actor, extra.pop("type", "checking"), PIN, **extra)
        if balance_cents:
            self.services.ledger.deposit(actor, account.id, balance_cents)
        return self.services.accounts.get(actor, account.id)

    def balance(self, actor: Actor, account_id: int) -> int:
        return self.services.accounts.get(actor, account_id).balance_cents

    def audit(self, **filters):
        admin = Actor(user_id=None, role=Role.ADMIN)
        return self.services.audit.list(admin, limit=200, **filters)


@pytest.fixture
def db_dir(tmp_path):
    yield from scratch_dir(tmp_path)


@pytest.fixture
def app_config(app_config, db_dir):
    """The root configuration, with the database file in RAM when possible."""
    return {**app_config, "DATABASE_URL": f"sqlite:///{db_dir / 'corebank.db'}"}


@pytest.fixture
def bank(services):
    return Bank(services)
