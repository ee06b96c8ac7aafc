"""Concurrent money movement through the service layer (no Flask) on a file database."""

import pytest

from entities.errors import InsufficientFunds
from entities.users import Actor, Role
from services.container import Services
from services.settings import ServiceSettings
from tests.support.threads import race

PIN = "1234"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def services(database_url):
    settings = ServiceSettings(
        database_url=database_url, jwt_secret="j" * 48, pin_pepper="p" * 48, audit_key="a" * 48, bcrypt_cost=4
    )
    return Services(settings)


def _customer(services, email):
    user = services.identity.register(Actor(), email, PASSWORD, "Concurrent Customer")
    return Actor(user_id=user.id, role=Role.CUSTOMER)


def test_two_withdrawals_of_the_whole_balance_succeed_exactly_once(services):
    actor = _customer(services, "double@example.com")
    account = services.accounts.open(actor, "checking", PIN)
    services.ledger.deposit(actor, account.id, 5_000)
    results = race(*[lambda: services.ledger.withdraw(actor, account.id, 5_000, PIN)] * 2)
    assert sorted(type(r).__name__ for r in results) == ["InsufficientFunds", "JournalEntry"]
    assert services.accounts.get(actor, account.id).balance_cents == 0
    assert all(c.passed for c in services.verification.run())


def test_two_transfers_of_the_whole_balance_succeed_exactly_once(services):
    alice, bob = _customer(services, "alice@example.com"), _customer(services, "bob@example.com")
    source = services.accounts.open(alice, "checking", PIN)
    services.ledger.deposit(alice, source.id, 5_000)
    targets = [services.accounts.open(bob, "checking", PIN) for _ in range(2)]
    results = race(*[lambda t=t: services.ledger.transfer(alice, source.id, t.number, 5_000, PIN) for t in targets])
    assert sum(isinstance(r, InsufficientFunds) for r in results) == 1
    assert services.accounts.get(alice, source.id).balance_cents == 0
    assert sum(services.accounts.get(bob, t.id).balance_cents for t in targets) == 5_000
    assert all(c.passed for c in services.verification.run())


def test_many_concurrent_deposits_lose_nothing(services):
    actor = _customer(services, "many@example.com")
    account = services.accounts.open(actor, "checking", PIN)
    results = race(*[lambda: services.ledger.deposit(actor, account.id, 100)] * 10)
    assert not [r for r in results if isinstance(r, Exception)]
    assert services.accounts.get(actor, account.id).balance_cents == 1_000
    assert all(c.passed for c in services.verification.run())
