"""Real threads on real PostgreSQL connections, through the application's own services (SPEC
sections 4, 7, 8 and 17): no double spend, no deadlock, no hot row, one idempotent answer, and one
audit chain however many writers (and instances) extend it.

tests/integration/conftest.py gives a SQLite file as ``database_url``; this module builds its own
database and app on PostgreSQL instead."""

from __future__ import annotations

import concurrent.futures
import itertools
import threading
import time

import pytest
from cryptography.fernet import Fernet

from app import create_app
from entities.audit import GENESIS_HASH
from entities.errors import InsufficientFunds, InvalidCredentials, InvalidPin
from entities.ledger import JournalEntry
from entities.users import Actor, Role
from repository import db
from tests.support import databases
from tests.support.databases import BehindTheBack, on_postgresql

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL only: COREBANK_TEST_DATABASE=postgresql")

PASSWORD = "correct horse battery staple"
PIN = "1234"
# One set of secrets for every app of a test: two instances of one bank share them (a test-mode app
# would otherwise draw its own AUDIT_KEY, and two keys can never make one chain).
SECRETS = {
    "SECRET_KEY": "s" * 48,
    "JWT_SECRET": "j" * 48,
    "PIN_PEPPER": "p" * 48,
    "AUDIT_KEY": "a" * 48,
    "CARD_KEYS": Fernet.generate_key().decode(),
}
_counter = itertools.count(1)


def _config(database_url: str, tmp_path) -> dict:
    return {
        "COREBANK_ENV": "test",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "BCRYPT_COST": 4,
        "RATELIMIT_ENABLED": False,
        "LOG_DIR": str(tmp_path / "logs"),
        **SECRETS,
    }


@pytest.fixture
def pg_url():
    url = databases.new_postgres_database()
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture
def app(pg_url, tmp_path):
    return create_app(_config(pg_url, tmp_path))


@pytest.fixture
def services(app):
    return app.extensions["corebank"]


@pytest.fixture
def pg(pg_url):
    conn = BehindTheBack(pg_url)
    yield conn
    conn.close()


# --- helpers ---------------------------------------------------------------------------------------


def _customer(services, name="Concurrent Customer") -> Actor:
    email = f"pgc{next(_counter)}@example.com"
    user = services.identity.register(Actor(ip="127.0.0.1"), email, PASSWORD, name)
    return Actor(user_id=user.id, role=Role.CUSTOMER, ip="127.0.0.1", request_id=f"req-{user.id}")


def _email_of(services, actor: Actor) -> str:
    return services.identity.get(actor).email


def _account(services, actor: Actor, balance_cents: int = 0):
    account = services.accounts.open(actor, "checking", PIN)
    if balance_cents:
        services.ledger.deposit(actor, account.id, balance_cents)
    return services.accounts.get(actor, account.id)


def _balance(services, actor: Actor, account_id: int) -> int:
    return services.accounts.get(actor, account_id).balance_cents


def _race(calls, timeout=60):
    """Run every call on a thread of its own, all released at once by a barrier; what each returned
    or raised, in the order of ``calls``."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(10)
        try:
            return call()
        except Exception as error:  # collected and asserted on by the test
            return error

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=timeout) for future in futures]


def _kinds(results) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        counts[type(result).__name__] = counts.get(type(result).__name__, 0) + 1
    return counts


def _unexpected(results, *allowed) -> list:
    return [r for r in results if not isinstance(r, allowed)]


def _verified(services) -> dict[str, bool]:
    checks = services.verification.run()
    failed = {c.name: c.detail for c in checks if not c.passed}
    assert not failed, failed
    return {c.name: c.passed for c in checks}


def _system_balance(services, code: str) -> int:
    with services.uow(write=False) as uow:
        return uow.accounts.system(code, "USD").balance_cents


def _assert_one_chain(pg) -> int:
    """The audit log walked in chain order is one chain: every record sealed, chain_seq 1..N without
    a gap, no two records on one predecessor (a fork), each linked to the one before. Returns N."""
    count = pg.rows("SELECT COUNT(*) FROM audit_log")[0][0]
    assert pg.rows("SELECT COUNT(*) FROM audit_log WHERE hash IS NULL OR chain_seq IS NULL") == [(0,)]
    rows = pg.rows("SELECT chain_seq, prev_hash, hash FROM audit_log ORDER BY chain_seq")
    assert [seq for seq, _, _ in rows] == list(range(1, count + 1))
    assert len({prev for _, prev, _ in rows}) == count, "two records chained to one predecessor (a fork)"
    previous = GENESIS_HASH
    for seq, prev, digest in rows:
        assert prev == previous, f"record {seq} is not linked to record {seq - 1}"
        previous = digest
    return count


# --- a. double spend -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["withdraw", "transfer"])
def test_sixteen_spends_of_the_whole_balance_succeed_exactly_once(services, pg, how):
    owner = _customer(services)
    account = _account(services, owner, 5_000)
    payee = _account(services, _customer(services))
    if how == "withdraw":
        call = lambda: services.ledger.withdraw(owner, account.id, 5_000, PIN)  # noqa: E731
    else:
        call = lambda: services.ledger.transfer(owner, account.id, payee.number, 5_000, PIN)  # noqa: E731

    results = _race([call] * 16)

    assert _kinds(results) == {"JournalEntry": 1, "InsufficientFunds": 15}, results
    kind = "withdrawal" if how == "withdraw" else "transfer"
    declines = {r.extra["entry_id"] for r in results if isinstance(r, InsufficientFunds)}
    assert len(declines) == 15
    assert pg.rows(
        "SELECT status, decline_reason, COUNT(*) FROM journal_entries WHERE kind = ? GROUP BY status, decline_reason"
        " ORDER BY status",
        (kind,),
    ) == [("declined", "insufficient_funds", 15), ("posted", None, 1)]
    assert pg.rows(
        "SELECT COUNT(*) FROM postings WHERE entry_id IN (SELECT id FROM journal_entries WHERE status = 'declined')"
    ) == [(0,)]
    assert _balance(services, owner, account.id) == 0
    if how == "transfer":
        assert services.accounts.get(Actor(role=Role.ADMIN), payee.id).balance_cents == 5_000
    _verified(services)


# --- b. opposite transfers -------------------------------------------------------------------------


def test_opposite_transfers_never_deadlock_and_conserve_money(services, pg):
    alice, bob = _customer(services, "Alice"), _customer(services, "Bob")
    a, b = _account(services, alice, 5_000), _account(services, bob, 5_000)
    amount = 600
    a_to_b = [lambda: services.ledger.transfer(alice, a.id, b.number, amount, PIN)] * 20
    b_to_a = [lambda: services.ledger.transfer(bob, b.id, a.number, amount, PIN)] * 20
    calls = [call for pair in zip(a_to_b, b_to_a, strict=True) for call in pair]  # interleaved A→B, B→A

    results = _race(calls)

    assert _unexpected(results, JournalEntry, InsufficientFunds) == []  # no deadlock, no busy, no 500
    sent_ab = sum(isinstance(r, JournalEntry) for r in results[0::2])
    sent_ba = sum(isinstance(r, JournalEntry) for r in results[1::2])
    final_a, final_b = _balance(services, alice, a.id), _balance(services, bob, b.id)
    assert final_a == 5_000 - amount * sent_ab + amount * sent_ba
    assert final_b == 5_000 + amount * sent_ab - amount * sent_ba
    assert final_a + final_b == 10_000
    assert final_a >= 0 and final_b >= 0
    declined = sum(isinstance(r, InsufficientFunds) for r in results)
    assert pg.rows(
        "SELECT status, COUNT(*) FROM journal_entries WHERE kind = 'transfer' GROUP BY status ORDER BY status"
    ) == ([("declined", declined)] if declined else []) + [("posted", sent_ab + sent_ba)]
    _verified(services)


# --- c. hot rows -----------------------------------------------------------------------------------

DEPOSIT, WITHDRAWAL, PURCHASE = 1_000, 300, 200
ROUNDS = 3  # each thread: ROUNDS × (deposit, withdrawal, card purchase)


def _worker_load(services, actor, account_id, card_id):
    def work():
        for _ in range(ROUNDS):
            services.ledger.deposit(actor, account_id, DEPOSIT)
            services.ledger.withdraw(actor, account_id, WITHDRAWAL, PIN)
            services.cards.purchase(actor, card_id, PURCHASE, "Hot Row Cafe", PIN)
        return "done"

    return work


def _timed_race(calls) -> tuple[list, float]:
    started = time.perf_counter()
    results = _race(calls)
    return results, time.perf_counter() - started


def test_system_accounts_are_no_hot_row(services, pg, capsys):
    threads, spread, opening = 32, 8, 50_000
    holders = [_customer(services) for _ in range(spread)]
    accounts = [services.accounts.open(actor, "checking", PIN) for actor in holders]
    # The first deposits race to create cash-vault, the first purchases card-settlement: one each.
    funded = _race(
        [
            lambda a=a, acc=acc: services.ledger.deposit(a, acc.id, opening)
            for a, acc in zip(holders, accounts, strict=True)
        ]
    )
    assert _kinds(funded) == {"JournalEntry": spread}
    cards = [services.cards.issue(actor, acc.id).card for actor, acc in zip(holders, accounts, strict=True)]

    spread_load = [
        _worker_load(services, holders[i % spread], accounts[i % spread].id, cards[i % spread].id)
        for i in range(threads)
    ]
    results, spread_s = _timed_race(spread_load)
    assert results == ["done"] * threads, [r for r in results if r != "done"]

    # The same load on one account: its row serialises every operation.
    single_actor = _customer(services)
    single = services.accounts.open(single_actor, "checking", PIN)
    services.ledger.deposit(single_actor, single.id, opening)
    single_card = services.cards.issue(single_actor, single.id).card
    one_load = [_worker_load(services, single_actor, single.id, single_card.id) for _ in range(threads)]
    results, single_s = _timed_race(one_load)
    assert results == ["done"] * threads, [r for r in results if r != "done"]
    with capsys.disabled():
        ops = threads * ROUNDS * 3
        print(f"\n  hot rows: {ops} ops on {spread} accounts {spread_s:.2f}s; on 1 account {single_s:.2f}s")

    per_thread = ROUNDS * (DEPOSIT - WITHDRAWAL - PURCHASE)
    for actor, account in zip(holders, accounts, strict=True):
        assert _balance(services, actor, account.id) == opening + (threads // spread) * per_thread
    assert _balance(services, single_actor, single.id) == opening + threads * per_thread

    services.uow.seal()
    operations = 2 * threads  # both loads
    cash_in = (spread + 1) * opening + operations * ROUNDS * (DEPOSIT - WITHDRAWAL)
    assert _system_balance(services, "cash-vault") == -cash_in
    assert _system_balance(services, "card-settlement") == operations * ROUNDS * PURCHASE
    assert pg.rows("SELECT COUNT(*) FROM postings WHERE balance_after_cents IS NULL") == [(0,)]
    # SPEC 17: however a system account's balance is kept, its postings carry its one id.
    for code in ("cash-vault", "card-settlement"):
        assert pg.rows("SELECT COUNT(*) FROM accounts WHERE system_code = ?", (code,)) == [(1,)]
        [(last_after, stored)] = pg.rows(
            "SELECT (SELECT p.balance_after_cents FROM postings p WHERE p.account_id = a.id ORDER BY p.txid DESC,"
            " p.id DESC LIMIT 1), a.balance_cents FROM accounts a WHERE a.system_code = ?",
            (code,),
        )
        assert last_after == stored
    _verified(services)


def test_money_moves_while_the_system_rows_are_updated_by_someone_else(services, pg_url):
    """No timing needed to show the system rows are no lock a movement waits on: while another
    session holds cash-vault and card-settlement as an UPDATE of their balance does (FOR NO KEY
    UPDATE), a deposit, a withdrawal and a card purchase still commit."""
    owner = _customer(services)
    account = _account(services, owner, 10_000)
    card = services.cards.issue(owner, account.id).card
    services.cards.purchase(owner, card.id, 100, "Warm Up", PIN)  # card-settlement now exists
    services.uow.seal()
    holder = BehindTheBack(pg_url)
    try:
        holder.execute("BEGIN")
        locked = holder.rows(
            "SELECT system_code FROM accounts WHERE type = 'system' ORDER BY system_code FOR NO KEY UPDATE"
        )
        assert locked == [("card-settlement",), ("cash-vault",)]

        def movements():
            services.ledger.deposit(owner, account.id, 700)
            services.ledger.withdraw(owner, account.id, 300, PIN)
            services.cards.purchase(owner, card.id, 200, "Locked Row Cafe", PIN)
            return "done"

        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(movements)
            try:
                assert future.result(timeout=15) == "done"
            finally:
                holder.execute("ROLLBACK")  # never leave the thread (or the sealer) waiting on us
    finally:
        holder.close()
    assert _balance(services, owner, account.id) == 10_000 - 100 + 700 - 300 - 200
    services.uow.seal()
    assert _system_balance(services, "cash-vault") == -(10_000 + 700 - 300)
    assert _system_balance(services, "card-settlement") == 100 + 200
    _verified(services)


def _wait_for(pg, sql, params=(), timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pg.rows(sql, params)[0][0]:
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for: {sql}")


def test_a_deposit_never_waits_for_a_sealing_pass(services, pg_url, pg):
    """An explicit seal (verification does one) that waits for an in-flight transaction keeps its
    transaction open; the money of a deposit made meanwhile must not queue behind it."""
    from repository.postgresql.sealer import SEALER_LOCK

    owner = _customer(services)
    account = _account(services, owner, 10_000)
    services.uow.seal()
    sealers_out, in_flight = BehindTheBack(pg_url), BehindTheBack(pg_url)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        sealing = depositing = None
        try:
            sealers_out.execute("BEGIN")  # holds every sealer off while the scene is set
            sealers_out.execute("SELECT pg_advisory_xact_lock(?)", (SEALER_LOCK,))
            services.ledger.deposit(owner, account.id, 100)  # foldable once the sealer runs
            in_flight.execute("BEGIN")
            in_flight.execute("SELECT pg_current_xact_id()")  # a writer still at work: holds the horizon
            services.ledger.deposit(owner, account.id, 200)  # committed behind the horizon: the seal waits
            sealing = pool.submit(services.uow.seal)
            waiting = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            _wait_for(pg, waiting)
            sealers_out.execute("COMMIT")
            _wait_for(pg, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            time.sleep(0.3)  # the pass folds the first deposit, then polls for the in-flight writer
            depositing = pool.submit(services.ledger.deposit, owner, account.id, 300)
            assert isinstance(depositing.result(timeout=3), JournalEntry)
        finally:
            if sealers_out.conn.raw.info.transaction_status:
                sealers_out.execute("ROLLBACK")
            in_flight.execute("ROLLBACK")  # the horizon moves on: the seal finishes, the deposit goes through
            for future in (sealing, depositing):
                if future is not None:
                    future.result(timeout=20)
            sealers_out.close()
            in_flight.close()
    assert _balance(services, owner, account.id) == 10_600
    _verified(services)


# --- d. concurrent duplicates of one idempotency key ----------------------------------------------


def _api_customer(app, services):
    client = app.test_client()
    actor = _customer(services)
    email = _email_of(services, actor)
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.json
    return actor, {"Authorization": f"Bearer {login.json['access_token']}"}


@pytest.mark.parametrize(("amount", "status"), [(2_500, 201), (9_999, 422)], ids=["posted", "declined"])
def test_concurrent_duplicates_of_one_key_move_money_once(app, services, pg, amount, status):
    payer, headers = _api_customer(app, services)
    source = _account(services, payer, 5_000)
    target = _account(services, _customer(services))
    body = {"from_account_id": source.id, "to_account_number": target.number, "amount_cents": amount, "pin": PIN}

    def post():
        client = app.test_client()  # one client per thread
        response = client.post("/api/v1/transfers", json=body, headers={**headers, "Idempotency-Key": "dup-1"})
        return response.status_code, response.get_json(), response.headers.get("Idempotent-Replayed")

    answers = _race([post] * 8)

    assert [s for s, _, _ in answers] == [status] * 8, answers
    assert all(b == answers[0][1] for _, b, _ in answers), answers
    assert sorted(r or "first" for _, _, r in answers) == ["first"] + ["true"] * 7
    entries = pg.rows("SELECT status FROM journal_entries WHERE kind = 'transfer'")
    assert entries == [("posted" if status == 201 else "declined",)]
    moved = amount if status == 201 else 0
    assert _balance(services, payer, source.id) == 5_000 - moved
    assert pg.rows("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'dup-1'") == [(1,)]
    _verified(services)


# --- e. audit chain under 32 concurrent writers ---------------------------------------------------

DEPOSITS_PER_WRITER, FAILED_LOGINS_PER_WRITER = 8, 2


def _auditing_work(services, actor, email, account_id):
    def work():
        for i in range(DEPOSITS_PER_WRITER + FAILED_LOGINS_PER_WRITER):
            if i % 5 == 2:  # 2 of 10: a wrong password, audited as a failed login (4 would lock: stay below)
                try:
                    services.identity.authenticate(Actor(ip="127.0.0.1"), email, "wrong password entirely")
                except InvalidCredentials:
                    continue
                raise AssertionError("a wrong password was accepted")
            services.ledger.deposit(actor, account_id, 100 + i)
        return "done"

    return work


def _writers(services_list, count):
    """``count`` writers spread over the given services (instances): (services, actor, email, account)."""
    writers = []
    for i in range(count):
        services = services_list[i % len(services_list)]
        actor = _customer(services)
        account = services.accounts.open(actor, "checking", PIN)
        writers.append((services, actor, _email_of(services, actor), account.id))
    return writers


def _assert_chain_after(services, pg, writers, started_with):
    services.uow.seal()
    count = _assert_one_chain(pg)
    assert count == started_with + len(writers) * (DEPOSITS_PER_WRITER + FAILED_LOGINS_PER_WRITER)
    assert pg.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'deposit'") == [(len(writers) * DEPOSITS_PER_WRITER,)]
    passed = _verified(services)
    assert passed["audit_chain_intact"] and passed["audit_all_sealed"]


def test_the_audit_chain_neither_forks_nor_skips_under_32_writers(services, pg):
    writers = _writers([services], 32)
    services.uow.seal()
    started_with = pg.rows("SELECT COUNT(*) FROM audit_log")[0][0]

    results = _race([_auditing_work(s, actor, email, account) for s, actor, email, account in writers])

    assert results == ["done"] * len(writers), [r for r in results if r != "done"]
    _assert_chain_after(services, pg, writers, started_with)


# --- f. the sealer across two instances -----------------------------------------------------------


@pytest.fixture
def second_instance(pg_url, tmp_path):
    """Another app on the same database. In one process db.backend() keeps one backend (pool and
    sealer) per URL, so the same database under another URL (its own application_name) is what
    gives this instance a pool and a sealer of its own, as a second server would have."""
    url = f"{pg_url}?application_name=corebank-instance-b"
    other = create_app(_config(url, tmp_path / "b"))
    yield other.extensions["corebank"]
    db.dispose(url)


def test_two_instances_extend_one_chain(services, second_instance, pg):
    first, second = services, second_instance
    assert db.backend(first.settings.database_url) is not db.backend(second.settings.database_url)
    writers = _writers([first, second], 32)
    started_with = pg.rows("SELECT COUNT(*) FROM audit_log")[0][0]

    work = [_auditing_work(s, actor, email, account) for s, actor, email, account in writers]
    # Both instances' explicit seals race the writers and each other's background sealer too.
    results = _race(work + [first.uow.seal, second.uow.seal])

    assert results[: len(work)] == ["done"] * len(work), [r for r in results if r != "done"]
    assert all(isinstance(r, int) for r in results[len(work) :]), results[len(work) :]
    assert (
        len(
            {
                pid
                for (pid,) in pg.rows(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND application_name = 'corebank-instance-b'"
                )
            }
        )
        >= 1
    )
    _assert_chain_after(first, pg, writers, started_with)
    passed = _verified(second)
    assert passed["audit_chain_intact"] and passed["audit_all_sealed"]


# --- more races the row locks must settle -----------------------------------------------------------


def test_concurrent_wrong_pins_all_count_and_lock_the_account_once(services, pg):
    owner = _customer(services)
    account = _account(services, owner, 5_000)

    results = _race([lambda: services.ledger.withdraw(owner, account.id, 100, "9999")] * 8)

    assert _kinds(results) == {"InvalidPin": 3, "AccountLocked": 5}, results
    remaining = sorted(r.extra["attempts_remaining"] for r in results if isinstance(r, InvalidPin))
    assert remaining == [0, 1, 2]  # no lost update of the counter
    fresh = services.accounts.get(owner, account.id)
    assert (fresh.pin_failures, fresh.pin_locked, fresh.balance_cents) == (3, True, 5_000)
    assert pg.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'account.pin_lock'") == [(1,)]
    assert pg.rows(
        "SELECT status, decline_reason, COUNT(*) FROM journal_entries WHERE kind = 'withdrawal'"
        " GROUP BY status, decline_reason"
    ) == [("declined", "account_locked", 5)]
    _verified(services)


def test_concurrent_reversals_of_one_entry_post_one(services, pg):
    owner = _customer(services)
    account = _account(services, owner, 5_000)
    entry = services.ledger.withdraw(owner, account.id, 1_200, PIN)
    tellers = []
    for _ in range(8):
        email = f"teller{next(_counter)}@example.com"
        user = services.identity.register(Actor(), email, PASSWORD, "Staff Teller", role=Role.TELLER)
        tellers.append(Actor(user_id=user.id, role=Role.TELLER, ip="127.0.0.1"))

    results = _race([lambda t=t: services.ledger.reverse(t, entry.id, "duplicate") for t in tellers])

    assert _kinds(results) == {"JournalEntry": 1, "AlreadyReversed": 7}, results
    assert _balance(services, owner, account.id) == 5_000
    assert pg.rows("SELECT COUNT(*) FROM journal_entries WHERE kind = 'reversal'") == [(1,)]
    _verified(services)


def test_concurrent_card_issues_make_one_card(services, pg):
    owner = _customer(services)
    account = _account(services, owner)

    results = _race([lambda: services.cards.issue(owner, account.id)] * 8)

    assert _kinds(results) == {"IssuedCard": 1, "CardExists": 7}, results
    assert pg.rows("SELECT COUNT(*) FROM cards WHERE account_id = ?", (account.id,)) == [(1,)]
    _verified(services)


# --- a user's row: every read-modify-write of it locks it ------------------------------------------

NEW_PASSWORD = "a brand new password 42"


def _held_after_reading_a_user(monkeypatch, thread_name: str):
    """(read, go): a thread whose name starts with ``thread_name`` stops right after the first read
    of a user row (``get`` or ``lock``, whichever the service uses) until ``go`` is set."""
    from repository.users import UserRepository

    read, go = threading.Event(), threading.Event()

    def held(real):
        def read_then_wait(self, user_id):
            user = real(self, user_id)
            if threading.current_thread().name.startswith(thread_name) and not read.is_set():
                read.set()
                go.wait(10)
            return user

        return read_then_wait

    monkeypatch.setattr(UserRepository, "get", held(UserRepository.get))
    monkeypatch.setattr(UserRepository, "lock", held(UserRepository.lock))
    return read, go


def _done_or_waiting_on_a_lock(future, pg, timeout=10.0) -> None:
    """Until ``future`` is done or one of the database's sessions waits for a row lock."""
    deadline = time.monotonic() + timeout
    waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    while time.monotonic() < deadline:
        if future.done() or pg.one(waiting):
            return
        time.sleep(0.01)
    raise AssertionError("neither done nor waiting for a lock")


@pytest.mark.parametrize("meanwhile", ["demotion", "password_change"])
def test_a_profile_update_never_undoes_a_role_or_password_change_made_meanwhile(services, pg, monkeypatch, meanwhile):
    """PATCH /me reads the user, then writes it: a demotion (or a password change) that commits in
    between must survive it; the profile update waits for the row, or the other write for it."""
    boss = services.identity.register(Actor(), f"boss{next(_counter)}@example.com", PASSWORD, "Boss", role=Role.ADMIN)
    email = f"staff{next(_counter)}@example.com"
    user = services.identity.register(Actor(), email, PASSWORD, "Old Name", role=Role.ADMIN)
    self_actor = Actor(user_id=user.id, role=Role.ADMIN, ip="127.0.0.1")
    if meanwhile == "demotion":
        boss_actor = Actor(user_id=boss.id, role=Role.ADMIN, ip="127.0.0.1")
        other = lambda: services.admin.set_role(boss_actor, user.id, "customer", "left the bank")  # noqa: E731
    else:
        other = lambda: services.identity.change_password(self_actor, PASSWORD, NEW_PASSWORD)  # noqa: E731
    read, go = _held_after_reading_a_user(monkeypatch, "profile")

    profiles = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="profile")
    with profiles, concurrent.futures.ThreadPoolExecutor(max_workers=1) as others:
        profile = profiles.submit(services.identity.update_profile, self_actor, full_name="New Name")
        assert read.wait(10)
        changed = others.submit(other)
        _done_or_waiting_on_a_lock(changed, pg)  # done (no lock held by the profile) or blocked by it
        go.set()
        profile.result(timeout=30)
        changed.result(timeout=30)

    row = pg.rows("SELECT full_name, role FROM users WHERE id = ?", (user.id,))[0]
    if meanwhile == "demotion":
        assert row == ("New Name", "customer")
    else:
        assert row == ("New Name", "admin")
        with pytest.raises(InvalidCredentials):
            services.identity.authenticate(Actor(ip="127.0.0.1"), email, PASSWORD)
        assert services.identity.authenticate(Actor(ip="127.0.0.1"), email, NEW_PASSWORD).id == user.id
