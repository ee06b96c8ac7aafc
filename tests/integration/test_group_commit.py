"""Group commit on SQLite (repository/sqlite/writer.py, SPEC section 12's last paragraph): queued write
units share one BEGIN IMMEDIATE … COMMIT, each in its own savepoint. Real threads, a file database, the
real services; the test-only hooks only pause a unit or inject a failure."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import asdict

import pytest

from entities.errors import IdempotencyKeyReused, InsufficientFunds
from entities.ledger import JournalEntry
from entities.users import Actor, Role
from repository import db
from repository.errors import DatabaseError, IntegrityViolation
from repository.sqlite import writer
from services.container import Services
from services.idempotency import IdempotentRequest, Replayed, fingerprint
from services.settings import ServiceSettings

PIN = "1234"
PASSWORD = "correct horse battery staple"
WAIT_S = 20


@pytest.fixture
def services(database_url):
    settings = ServiceSettings(
        database_url=database_url, jwt_secret="j" * 48, pin_pepper="p" * 48, audit_key="a" * 48, bcrypt_cost=4
    )
    return Services(settings)


@pytest.fixture(autouse=True)
def group_commit():
    """Batching on whatever SQLITE_GROUP_COMMIT says, with a generous age cap (a unit paused by a test
    must not close its batch), and the hooks cleared afterwards."""
    previous = writer.configure(enabled=True, max_units=16, max_wait_s=60.0)
    yield
    writer.configure(**asdict(previous))
    writer.hooks.before_unit_commit = writer.hooks.before_batch_commit = None


@pytest.fixture
def raw(database_url):
    """A plain connection of the test's own: it sees only what is committed."""
    conn = sqlite3.connect(db.sqlite_path(database_url), isolation_level=None, timeout=5)
    yield conn
    conn.close()


def _customer(services, email) -> Actor:
    user = services.identity.register(Actor(), email, PASSWORD, "Batch Customer")
    return Actor(user_id=user.id, role=Role.CUSTOMER)


def _idem(key: str, request: str) -> IdempotentRequest:
    def render(entry, error):
        return (201, {"id": entry.id}) if error is None else (422, {"code": error.code, "entry_id": entry.id})

    return IdempotentRequest(key, fingerprint("test-secret", request), render)


class Calls:
    """Each call on a thread of its own; ``results`` holds what each returned or raised, set only when
    it did (None while it has no answer)."""

    def __init__(self):
        self.threads: list[threading.Thread] = []
        self.results: list[object] = []

    def start(self, call) -> int:
        index = len(self.results)
        self.results.append(None)

        def run():
            try:
                self.results[index] = call()
            except Exception as error:  # collected and asserted on by the test
                self.results[index] = error

        thread = threading.Thread(target=run, name=f"call-{index}")
        self.threads.append(thread)
        thread.start()
        return index

    def join(self) -> list[object]:
        for thread in self.threads:
            thread.join(WAIT_S)
        assert not any(t.is_alive() for t in self.threads), "a unit of work never returned"
        return self.results


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.002)


class Gate:
    """The first unit to commit waits inside its commit (holding the slot, its batch open) until
    ``queued`` more threads wait for the slot: then they all join its batch, one after another."""

    def __init__(self, database_url: str, queued: int, then=None):
        self.database_url, self.queued, self.then = database_url, queued, then
        self.first_inside = threading.Event()
        self._passed = False
        writer.hooks.before_unit_commit = self

    def __call__(self, conn) -> None:
        if not self._passed:
            self._passed = True
            self.first_inside.set()
            _until(lambda: writer.waiting(self.database_url) >= self.queued, f"{self.queued} queued writers")
        if self.then is not None:
            self.then(conn)


def _stats(database_url) -> dict:
    return writer.group_commit_stats(database_url)


def _entry_ids(raw) -> set[int]:
    return {row[0] for row in raw.execute("SELECT id FROM journal_entries")}


def _verified(services) -> None:
    failed = [c for c in services.verification.run() if not c.passed]
    assert failed == []


def test_a_decline_in_a_batch_leaves_its_neighbours_posted_with_their_own_records(services, database_url, raw):
    alice, bob = _customer(services, "alice@example.com"), _customer(services, "bob@example.com")
    source = services.accounts.open(alice, "checking", PIN)
    services.ledger.deposit(alice, source.id, 5_000)
    targets = [services.accounts.open(bob, "checking", PIN) for _ in range(4)]
    amounts = [1_000, 1_500, 9_000, 2_000]  # the third cannot be funded whatever the order: declined
    writer.reset_group_commit_stats()
    Gate(database_url, queued=3)
    calls = Calls()
    for n, (target, amount) in enumerate(zip(targets, amounts, strict=True)):
        idem = _idem(f"key-{n}", f"transfer {n}")
        number = target.number
        calls.start(lambda a=amount, i=idem, to=number: services.ledger.transfer(alice, source.id, to, a, PIN, idem=i))
    results = calls.join()

    assert [type(r) for r in results] == [JournalEntry, JournalEntry, InsufficientFunds, JournalEntry]
    stats = _stats(database_url)
    assert (stats["batches"], stats["units"], stats["max_batch"], stats["sizes"]) == (1, 4, 4, {"4": 1})
    assert services.accounts.get(alice, source.id).balance_cents == 500
    assert [services.accounts.get(bob, t.id).balance_cents for t in targets] == [1_000, 1_500, 0, 2_000]
    entry_ids = [r.id if isinstance(r, JournalEntry) else r.extra["entry_id"] for r in results]
    rows = dict(raw.execute("SELECT id, status FROM journal_entries WHERE id IN (?, ?, ?, ?)", entry_ids).fetchall())
    assert [rows[i] for i in entry_ids] == ["posted", "posted", "declined", "posted"]
    stored = dict(raw.execute("SELECT key, status_code FROM idempotency_keys WHERE user_id = ?", (alice.user_id,)))
    assert stored == {"key-0": 201, "key-1": 201, "key-2": 422, "key-3": 201}
    audited = dict(
        raw.execute(
            "SELECT CAST(resource_id AS INTEGER), outcome FROM audit_log WHERE action = 'transfer'"
            " AND resource_type = 'journal_entry'"
        ).fetchall()
    )
    assert [audited[i] for i in entry_ids] == ["success", "success", "declined", "success"]
    _verified(services)


def test_an_error_inside_one_unit_rolls_back_only_its_own_savepoint(services, database_url, raw):
    alice = _customer(services, "alice@example.com")
    accounts = [services.accounts.open(alice, "checking", PIN) for _ in range(4)]
    broken = accounts[3]

    def violate(conn):  # the broken thread's unit breaks a CHECK constraint as it commits
        if threading.current_thread().name == "call-3":
            conn.execute("UPDATE accounts SET balance_cents = -1 WHERE id = ?", (broken.id,))

    writer.reset_group_commit_stats()
    gate = Gate(database_url, queued=3, then=violate)
    calls = Calls()
    calls.start(lambda: services.ledger.deposit(alice, accounts[0].id, 100, idem=_idem("key-0", "deposit 0")))
    assert gate.first_inside.wait(WAIT_S)  # the first unit has begun the batch: the broken one joins it
    for n in (1, 2, 3):
        calls.start(lambda n=n: services.ledger.deposit(alice, accounts[n].id, 100, idem=_idem(f"key-{n}", f"d {n}")))
    results = calls.join()

    assert [type(r).__name__ for r in results[:3]] == ["JournalEntry"] * 3
    assert isinstance(results[3], IntegrityViolation) and "CHECK constraint failed" in str(results[3])
    stats = _stats(database_url)
    assert (stats["batches"], stats["units"], stats["rolled_back"], stats["failed"]) == (1, 3, 1, 0)
    assert [services.accounts.get(alice, a.id).balance_cents for a in accounts] == [100, 100, 100, 0]
    keys = {row[0] for row in raw.execute("SELECT key FROM idempotency_keys")}
    assert keys == {"key-0", "key-1", "key-2"}  # the broken unit's claim went with its savepoint
    assert raw.execute("SELECT COUNT(*) FROM journal_entries WHERE kind = 'deposit'").fetchone()[0] == 3
    audited = raw.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'deposit'").fetchone()[0]
    assert audited == 3
    _verified(services)
    assert services.ledger.deposit(alice, broken.id, 100).status == "posted"  # the writer carries on


def test_every_unit_is_answered_only_after_the_commit_that_holds_it(services, database_url, raw):
    alice = _customer(services, "alice@example.com")
    account = services.accounts.open(alice, "checking", PIN)
    services.ledger.deposit(alice, account.id, 10_000)
    bob = _customer(services, "bob@example.com")
    target = services.accounts.open(bob, "checking", PIN)
    before = _entry_ids(raw)
    paused, resume, seen = threading.Event(), threading.Event(), []

    def pause(batch):
        seen.append((batch.units, batch.rolled_back))
        paused.set()
        assert resume.wait(WAIT_S)

    writer.hooks.before_batch_commit = pause
    Gate(database_url, queued=2)
    calls = Calls()
    idem = _idem("same-key", "transfer 700")
    calls.start(lambda: services.ledger.deposit(alice, account.id, 300))
    for _ in range(2):  # the same request twice at once: the second replays the first, inside the batch
        calls.start(lambda: services.ledger.transfer(alice, account.id, target.number, 700, PIN, idem=idem))
    try:
        assert paused.wait(WAIT_S)
        time.sleep(0.2)  # room for a premature answer to show
        assert seen == [(2, 1)]  # two commits and the replay (which wrote nothing) in the one batch
        assert calls.results == [None, None, None]  # nobody answered: the COMMIT has not run
        assert _entry_ids(raw) == before  # and nothing is visible outside the batch
        assert raw.execute("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'same-key'").fetchone()[0] == 0
    finally:
        resume.set()
    results = calls.join()

    deposit, *transfers = results
    assert isinstance(deposit, JournalEntry)
    assert sorted(type(r).__name__ for r in transfers) == ["JournalEntry", "Replayed"]
    posted = next(r for r in transfers if isinstance(r, JournalEntry))
    replayed = next(r for r in transfers if isinstance(r, Replayed))
    assert (replayed.status, replayed.body) == (201, {"id": posted.id})
    assert services.accounts.get(bob, target.id).balance_cents == 700  # moved once
    assert len(_entry_ids(raw) - before) == 2
    _verified(services)


def test_a_failed_commit_raises_in_every_unit_of_the_batch(services, database_url, raw):
    alice = _customer(services, "alice@example.com")
    account = services.accounts.open(alice, "checking", PIN)
    services.ledger.deposit(alice, account.id, 10_000)
    bob = _customer(services, "bob@example.com")
    target = services.accounts.open(bob, "checking", PIN)
    before = _entry_ids(raw)

    def fail(batch):
        raise sqlite3.OperationalError("disk I/O error")  # as a COMMIT whose fsync fails

    writer.hooks.before_batch_commit = fail
    writer.reset_group_commit_stats()
    Gate(database_url, queued=2)
    calls = Calls()
    idem = _idem("same-key", "transfer 700")
    calls.start(lambda: services.ledger.deposit(alice, account.id, 300))
    for _ in range(2):  # the replaying duplicate must not answer what never committed
        calls.start(lambda: services.ledger.transfer(alice, account.id, target.number, 700, PIN, idem=idem))
    results = calls.join()

    assert all(type(r) is DatabaseError for r in results), results
    assert len({id(r) for r in results}) == 3  # each thread raised an exception of its own
    assert all("disk I/O error" in str(r) for r in results)
    assert _stats(database_url)["failed"] == 1
    assert _entry_ids(raw) == before
    assert raw.execute("SELECT COUNT(*) FROM idempotency_keys").fetchone()[0] == 0
    writer.hooks.before_batch_commit = None
    writer.hooks.before_unit_commit = None
    assert services.ledger.transfer(alice, account.id, target.number, 700, PIN, idem=idem).status == "posted"
    assert services.accounts.get(bob, target.id).balance_cents == 700
    _verified(services)


def test_a_denial_audited_after_a_rollback_works_inside_a_batch(services, database_url, raw):
    alice = _customer(services, "alice@example.com")
    accounts = [services.accounts.open(alice, "checking", PIN) for _ in range(3)]
    services.ledger.deposit(alice, accounts[0].id, 100, idem=_idem("used", "deposit 100"))
    writer.reset_group_commit_stats()
    gate = Gate(database_url, queued=2)
    calls = Calls()
    calls.start(lambda: services.ledger.deposit(alice, accounts[1].id, 200))
    assert gate.first_inside.wait(WAIT_S)
    # the key again with another body: rolled back to its savepoint, then audited in a fresh unit
    calls.start(lambda: services.ledger.deposit(alice, accounts[0].id, 999, idem=_idem("used", "deposit 999")))
    calls.start(lambda: services.ledger.deposit(alice, accounts[2].id, 300))
    results = calls.join()

    assert [type(r) for r in results] == [JournalEntry, IdempotencyKeyReused, JournalEntry]
    stats = _stats(database_url)
    assert (stats["units"], stats["rolled_back"], stats["max_batch"] > 1) == (3, 1, True)
    assert [services.accounts.get(alice, a.id).balance_cents for a in accounts] == [100, 200, 300]
    denied = raw.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'idempotency.reused' AND outcome = 'denied'")
    assert denied.fetchone()[0] == 1
    _verified(services)


def test_a_lone_unit_commits_at_once_without_waiting_for_company(services, database_url, raw):
    alice = _customer(services, "alice@example.com")
    account = services.accounts.open(alice, "checking", PIN)
    writer.reset_group_commit_stats()
    started = time.monotonic()
    entry = services.ledger.deposit(alice, account.id, 100)
    elapsed = time.monotonic() - started
    assert elapsed < 5  # a batch that waited for company would stay open max_wait_s (60 s here)
    assert entry.id in _entry_ids(raw)  # committed by the time it returned
    stats = _stats(database_url)
    assert (stats["batches"], stats["units"], stats["max_batch"]) == (1, 1, 1)


def test_batches_form_by_themselves_under_concurrent_writers(services, database_url):
    """No gate: production caps, eight threads depositing; queued writers end up sharing commits."""
    writer.configure(max_units=16, max_wait_s=0.005)
    alice = _customer(services, "alice@example.com")
    accounts = [services.accounts.open(alice, "checking", PIN) for _ in range(4)]
    writer.reset_group_commit_stats()
    barrier = threading.Barrier(8)

    def deposit_many(account_id):
        barrier.wait(WAIT_S)
        for _ in range(15):
            services.ledger.deposit(alice, account_id, 10)

    calls = Calls()
    for n in range(8):
        calls.start(lambda n=n: deposit_many(accounts[n % 4].id))
    assert calls.join() == [None] * 8
    stats = _stats(database_url)
    assert stats["units"] == 120 and stats["failed"] == 0
    assert stats["max_batch"] > 1 and stats["batches"] < 120, stats
    assert [services.accounts.get(alice, a.id).balance_cents for a in accounts] == [300] * 4
    _verified(services)


def test_switched_off_every_unit_commits_alone(services, database_url):
    writer.configure(enabled=False)
    alice = _customer(services, "alice@example.com")
    account = services.accounts.open(alice, "checking", PIN)
    writer.reset_group_commit_stats()
    calls = Calls()
    barrier = threading.Barrier(6)
    for _ in range(6):
        calls.start(lambda: (barrier.wait(WAIT_S), services.ledger.deposit(alice, account.id, 10))[1])
    assert all(isinstance(r, JournalEntry) for r in calls.join())
    stats = _stats(database_url)
    assert (stats["batches"], stats["units"], stats["max_batch"]) == (6, 6, 1)
    assert services.accounts.get(alice, account.id).balance_cents == 60
