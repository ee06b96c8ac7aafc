"""The unit of work on a real SQLite file: explicit commit, rollback by default, the write lock."""

import sqlite3
import threading
import time

import pytest

from repository.errors import DatabaseBusy
from repository.sqlite import connection as sqlite_connection
from tests.integration.conftest import add_account, add_user


def _user_count(raw) -> int:
    return raw.execute("SELECT COUNT(*) FROM users").fetchone()[0]


def test_connection_pragmas(database_url):
    conn = sqlite_connection.connect(database_url, busy_timeout_ms=1234)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    finally:
        conn.close()


def test_committed_work_is_visible_to_a_new_unit_of_work(uow, raw):
    with uow() as work:
        user = add_user(work, "round@example.com")
        account = add_account(work, user.id, balance_cents=250)
        work.commit()
    with uow(write=False) as work:
        assert work.users.by_email("round@example.com").id == user.id
        loaded = work.accounts.get(account.id)
    assert (loaded.owner_id, loaded.balance_cents, loaded.number) == (user.id, 250, account.number)
    assert _user_count(raw) == 1


def test_leaving_without_commit_rolls_back(uow, raw):
    with uow() as work:
        add_user(work, "forgotten@example.com")
    assert _user_count(raw) == 0


def test_an_exception_rolls_back_and_propagates(uow, raw):
    with pytest.raises(RuntimeError, match="boom"), uow() as work:
        add_user(work, "boom@example.com")
        raise RuntimeError("boom")
    assert _user_count(raw) == 0


def test_explicit_rollback_then_more_work_in_a_new_transaction(uow, raw):
    with uow() as work:
        add_user(work, "first@example.com")
        work.rollback()
        work.begin(write=True)
        add_user(work, "second@example.com")
        work.commit()
    assert [r[0] for r in raw.execute("SELECT email FROM users")] == ["second@example.com"]


def test_leaving_ends_the_transaction_on_the_reused_connection(uow):
    """Connections are reused per thread: the next unit of work must never inherit a transaction."""
    with uow() as work:
        add_user(work, "left-open@example.com")
        conn = work.conn.raw
        assert conn.in_transaction
    assert work.conn is None
    assert not conn.in_transaction
    with uow(write=False) as work:
        assert work.users.by_email("left-open@example.com") is None


def test_a_write_unit_of_work_holds_the_write_lock_from_the_start(uow, database_url):
    """BEGIN IMMEDIATE: even before it writes, a second writer cannot start."""
    with uow():
        other = sqlite_connection.connect(database_url, busy_timeout_ms=50)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_readers_are_not_blocked_by_a_writer(uow, seeded):
    user_id, _ = seeded
    seen = []

    def read():
        with uow(write=False) as reader:  # WAL: the reader sees the last committed state at once
            seen.append(reader.users.get(user_id).full_name)

    with uow() as writer:
        writer.conn.execute("UPDATE users SET full_name = 'Changed' WHERE id = ?", (user_id,))
        thread = threading.Thread(target=read)
        thread.start()
        thread.join(2)
        assert seen == ["Owner Name"]
        writer.commit()


def test_a_second_writer_waits_until_the_first_commits(uow, seeded):
    _, account_id = seeded
    first_in = threading.Event()
    order = []

    def first():
        with uow() as work:
            first_in.set()
            account = work.accounts.get(account_id)
            time.sleep(0.3)
            account.balance_cents += 100
            work.accounts.save_balance(account)
            order.append("first committed")
            work.commit()

    def second():
        first_in.wait(5)
        started = time.monotonic()
        with uow() as work:  # blocks in BEGIN IMMEDIATE until the first commits
            order.append(("second began", time.monotonic() - started))
            account = work.accounts.get(account_id)
            account.balance_cents += 10
            work.accounts.save_balance(account)
            work.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order[0] == "first committed"
    assert order[1][0] == "second began" and order[1][1] >= 0.2
    with uow(write=False) as work:
        assert work.accounts.get(account_id).balance_cents == 110  # neither update was lost


def test_concurrent_read_modify_write_never_loses_an_update(uow, seeded):
    _, account_id = seeded
    barrier = threading.Barrier(8)

    def add_one():
        barrier.wait(5)
        for _ in range(5):
            with uow() as work:
                account = work.accounts.get(account_id)
                account.balance_cents += 1
                work.accounts.save_balance(account)
                work.commit()

    threads = [threading.Thread(target=add_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with uow(write=False) as work:
        assert work.accounts.get(account_id).balance_cents == 40


def test_a_writer_that_cannot_get_the_lock_fails_and_its_connection_is_discarded(uow, database_url, monkeypatch):
    opened = []

    def quick_connect(url, *, busy_timeout_ms=10000):
        conn = real_connect(url, busy_timeout_ms=100)
        opened.append(conn)
        return conn

    real_connect = sqlite_connection.connect
    sqlite_connection.discard(database_url)
    monkeypatch.setattr(sqlite_connection, "connect", quick_connect)
    blocker = real_connect(database_url)
    blocker.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseBusy, match="locked"), uow():
            pass
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert time.monotonic() - started < 2
    assert len(opened) == 2  # the thread's own connection, and the writer connection that tried BEGIN IMMEDIATE
    for conn in opened:
        with pytest.raises(sqlite3.ProgrammingError):  # closed, never handed to the next unit of work
            conn.execute("SELECT 1")
    with uow() as work:
        add_user(work, "after@example.com")
        work.commit()
    assert len(opened) == 4
    with uow(write=False) as work:
        assert work.users.by_email("after@example.com") is not None
