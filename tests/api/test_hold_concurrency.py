"""Holds and limits under real threads, through the services, on the suite's backend (a SQLite
file, or PostgreSQL in the PostgreSQL pass): the available balance and the daily limit hold
exactly like the balance, however many requests race (SPEC sections 13 and 14)."""

import threading

from entities.errors import HoldNotPending, InsufficientFunds, LimitExceeded
from entities.holds import Hold
from entities.ledger import JournalEntry
from entities.users import Actor, Role
from tests.conftest import PIN
from tests.support.threads import race


def _customer_with_card(api, services, balance_cents):
    user, headers = api.customer()
    account = api.funded_account(headers, balance_cents)
    card = api.client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    return Actor(user_id=user["id"], role=Role.CUSTOMER), account["id"], card["id"]


def test_ten_authorisations_against_funds_for_five_reserve_exactly_five(api, services):
    actor, account_id, card_id = _customer_with_card(api, services, 5_000)
    seen, done = [], threading.Event()

    def watch():  # the available balance as readers see it, all through the race
        while not done.is_set():
            seen.append(services.accounts.get(actor, account_id).available_cents)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = race(*[lambda: services.holds.authorize(actor, card_id, 1_000, "Race Cafe", PIN) for _ in range(10)])
    finally:
        done.set()
        watcher.join(30)
    assert sum(isinstance(r, Hold) for r in results) == 5
    assert sum(isinstance(r, InsufficientFunds) for r in results) == 5
    account = services.accounts.get(actor, account_id)
    assert (account.balance_cents, account.held_cents, account.available_cents) == (5_000, 5_000, 0)
    assert seen and min(seen) >= 0
    assert all(c.passed for c in services.verification.run())


def test_simultaneous_withdrawals_never_exceed_the_daily_limit(api, services):
    actor, account_id, _ = _customer_with_card(api, services, 100_000)
    services.holds.set_daily_limit(actor, account_id, 5_000)
    results = race(*[lambda: services.ledger.withdraw(actor, account_id, 1_000, PIN) for _ in range(10)])
    assert sum(isinstance(r, JournalEntry) for r in results) == 5
    assert sum(isinstance(r, LimitExceeded) for r in results) == 5
    assert services.accounts.get(actor, account_id).balance_cents == 95_000
    assert services.holds.limit_used_today(actor, account_id) == 5_000
    assert all(c.passed for c in services.verification.run())


def test_a_capture_racing_a_void_ends_the_hold_once(api, services):
    actor, account_id, card_id = _customer_with_card(api, services, 10_000)
    for _ in range(3):
        hold = services.holds.authorize(actor, card_id, 2_000, "Race Hotel", PIN)
        results = race(lambda: services.holds.capture(actor, hold.id), lambda: services.holds.void(actor, hold.id))
        assert sum(isinstance(r, HoldNotPending) for r in results) == 1, results
    account = services.accounts.get(actor, account_id)
    assert account.held_cents == 0
    assert all(c.passed for c in services.verification.run())
