"""On PostgreSQL too, the database itself refuses what the services must never do (SPEC sections
4, 7 and 17): a negative customer balance, and UPDATE, DELETE and TRUNCATE on the ledger and the
audit log, except the sealer's one update that chains a record or folds a system posting."""

from __future__ import annotations

import pytest

from entities.clock import now_iso
from repository.errors import IntegrityViolation, UniqueViolation
from tests.support import databases
from tests.support.databases import BehindTheBack

pytestmark = pytest.mark.skipif(
    not databases.on_postgresql(), reason="PostgreSQL only: COREBANK_TEST_DATABASE=postgresql"
)


@pytest.fixture
def pg():
    url = databases.new_postgres_database()
    conn = BehindTheBack(url)
    yield conn
    conn.close()
    databases.drop_postgres_database(url)


def _customer_account(pg, balance=0) -> int:
    user = pg.execute(
        "INSERT INTO users (email, full_name, password_hash, created_at) VALUES ('a@example.com', 'A', 'h', ?)"
        " RETURNING id",
        (now_iso(),),
    ).fetchone()[0]
    return pg.execute(
        "INSERT INTO accounts (number, owner_id, type, currency, balance_cents, created_at)"
        " VALUES ('1000000001', ?, 'checking', 'USD', ?, ?) RETURNING id",
        (user, balance, now_iso()),
    ).fetchone()[0]


def _vault(pg) -> int:
    return pg.execute(
        "INSERT INTO accounts (number, type, currency, system_code, created_at)"
        " VALUES ('9000000001', 'system', 'USD', 'cash-vault', ?) RETURNING id",
        (now_iso(),),
    ).fetchone()[0]


def _posting(pg, account_id, amount, balance_after) -> int:
    entry = pg.execute(
        "INSERT INTO journal_entries (kind, status, amount_cents, currency, created_at)"
        " VALUES ('deposit', 'posted', 100, 'USD', ?) RETURNING id",
        (now_iso(),),
    ).fetchone()[0]
    return pg.execute(
        "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (entry, account_id, amount, balance_after, now_iso()),
    ).fetchone()[0]


def _audit(pg) -> int:
    return pg.execute(
        "INSERT INTO audit_log (created_at, action, outcome) VALUES (?, 'test', 'success') RETURNING id", (now_iso(),)
    ).fetchone()[0]


def test_a_negative_customer_balance_is_refused_and_a_system_one_allowed(pg):
    account = _customer_account(pg)
    with pytest.raises(IntegrityViolation):
        pg.execute("UPDATE accounts SET balance_cents = -1 WHERE id = ?", (account,))
    assert pg.rows("SELECT balance_cents FROM accounts WHERE id = ?", (account,)) == [(0,)]
    vault = _vault(pg)
    pg.execute("UPDATE accounts SET balance_cents = -500 WHERE id = ?", (vault,))
    assert pg.rows("SELECT balance_cents FROM accounts WHERE id = ?", (vault,)) == [(-500,)]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("UPDATE journal_entries SET amount_cents = 5", "journal entries are immutable"),
        ("DELETE FROM journal_entries", "journal entries are immutable"),
        ("TRUNCATE journal_entries CASCADE", "journal entries are immutable"),
        ("UPDATE postings SET amount_cents = 5", "postings are immutable"),
        ("DELETE FROM postings", "postings are immutable"),
        ("TRUNCATE postings", "postings are immutable"),
        ("UPDATE audit_log SET outcome = 'denied'", "audit_log is append-only"),
        ("DELETE FROM audit_log", "audit_log is append-only"),
        ("TRUNCATE audit_log", "audit_log is append-only"),
    ],
)
def test_the_ledger_and_the_audit_log_refuse_edits(pg, statement, message):
    account = _customer_account(pg, balance=100)
    _posting(pg, account, 100, 100)
    _audit(pg)
    counts = pg.rows(
        "SELECT (SELECT COUNT(*) FROM journal_entries), (SELECT COUNT(*) FROM postings),"
        " (SELECT COUNT(*) FROM audit_log)"
    )
    with pytest.raises(IntegrityViolation, match=message):
        pg.execute(statement)
    assert (
        pg.rows(
            "SELECT (SELECT COUNT(*) FROM journal_entries), (SELECT COUNT(*) FROM postings),"
            " (SELECT COUNT(*) FROM audit_log)"
        )
        == counts
        == [(1, 1, 1)]
    )


def test_the_sealer_may_chain_a_record_once_and_nothing_else(pg):
    record = _audit(pg)
    with pytest.raises(IntegrityViolation, match="append-only"):  # another column with the chain
        pg.execute(
            "UPDATE audit_log SET hash = ?, prev_hash = ?, chain_seq = 1, action = 'x' WHERE id = ?",
            ("a" * 64, "0" * 64, record),
        )
    pg.execute("UPDATE audit_log SET hash = ?, prev_hash = ?, chain_seq = 1 WHERE id = ?", ("a" * 64, "0" * 64, record))
    with pytest.raises(IntegrityViolation, match="append-only"):  # a chained record is final
        pg.execute("UPDATE audit_log SET hash = ? WHERE id = ?", ("b" * 64, record))
    assert pg.rows("SELECT hash, chain_seq FROM audit_log WHERE id = ?", (record,)) == [("a" * 64, 1)]


def test_the_sealer_may_refuse_a_record_once_and_never_chain_it_after(pg):
    record = _audit(pg)
    with pytest.raises(IntegrityViolation, match="append-only"):  # its MAC with the refusal
        pg.execute("UPDATE audit_log SET refused_at = ?, mac = ? WHERE id = ?", (now_iso(), "a" * 64, record))
    pg.execute("UPDATE audit_log SET refused_at = ? WHERE id = ?", (now_iso(), record))
    with pytest.raises(IntegrityViolation, match="append-only"):  # a refused record stays out of the chain
        pg.execute(
            "UPDATE audit_log SET hash = ?, prev_hash = ?, chain_seq = 1 WHERE id = ?", ("a" * 64, "0" * 64, record)
        )
    with pytest.raises(IntegrityViolation, match="append-only"):  # and refused
        pg.execute("UPDATE audit_log SET refused_at = NULL WHERE id = ?", (record,))
    assert pg.rows("SELECT hash IS NULL, refused_at IS NOT NULL FROM audit_log WHERE id = ?", (record,)) == [
        (True, True)
    ]


def test_the_sealer_may_fold_a_system_posting_once(pg):
    vault = _vault(pg)
    posting = _posting(pg, vault, -100, None)
    pg.execute("UPDATE postings SET balance_after_cents = -100 WHERE id = ?", (posting,))
    with pytest.raises(IntegrityViolation, match="immutable"):
        pg.execute("UPDATE postings SET balance_after_cents = 0 WHERE id = ?", (posting,))
    assert pg.rows("SELECT balance_after_cents FROM postings WHERE id = ?", (posting,)) == [(-100,)]


def test_emails_are_unique_whatever_their_case(pg):
    pg.execute(
        "INSERT INTO users (email, full_name, password_hash, created_at) VALUES ('Ann@Example.com', 'A', 'h', ?)",
        (now_iso(),),
    )
    with pytest.raises(UniqueViolation):
        pg.execute(
            "INSERT INTO users (email, full_name, password_hash, created_at) VALUES ('ann@example.COM', 'B', 'h', ?)",
            (now_iso(),),
        )
    assert pg.rows("SELECT COUNT(*) FROM users") == [(1,)]
