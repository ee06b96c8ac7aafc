"""The database itself refuses what the services must never do."""

import sqlite3

import pytest

from entities.clock import now_iso
from repository.errors import UniqueViolation
from tests.integration.conftest import add_account, add_user


def _entry(raw, status="posted", reason=None) -> int:
    return raw.execute(
        "INSERT INTO journal_entries (kind, status, amount_cents, currency, decline_reason, created_at)"
        " VALUES ('deposit', ?, 100, 'USD', ?, ?)",
        (status, reason, now_iso()),
    ).lastrowid


def test_negative_customer_balance_is_refused(raw, seeded):
    _, account_id = seeded
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        raw.execute("UPDATE accounts SET balance_cents = -1 WHERE id = ?", (account_id,))
    assert raw.execute("SELECT balance_cents FROM accounts WHERE id = ?", (account_id,)).fetchone()[0] == 0


def test_a_system_account_may_go_negative(uow, raw):
    with uow() as work:
        vault = work.accounts.system("cash-vault", "USD")
        work.commit()
    raw.execute("UPDATE accounts SET balance_cents = -500 WHERE id = ?", (vault.id,))
    assert raw.execute("SELECT balance_cents FROM accounts WHERE id = ?", (vault.id,)).fetchone()[0] == -500


def test_zero_posting_amount_is_refused(raw, seeded):
    _, account_id = seeded
    entry_id = _entry(raw)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        raw.execute(
            "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
            " VALUES (?, ?, 0, 0, ?)",
            (entry_id, account_id, now_iso()),
        )


@pytest.mark.parametrize("amount", [0, -5])
def test_non_positive_entry_amount_is_refused(raw, amount):
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        raw.execute(
            "INSERT INTO journal_entries (kind, status, amount_cents, currency, created_at)"
            " VALUES ('deposit', 'posted', ?, 'USD', ?)",
            (amount, now_iso()),
        )


def test_declined_entry_needs_a_reason(raw):
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        _entry(raw, status="declined", reason=None)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        _entry(raw, status="posted", reason="insufficient_funds")


def test_duplicate_account_number_is_refused(raw, seeded):
    user_id, account_id = seeded
    number = raw.execute("SELECT number FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        raw.execute(
            "INSERT INTO accounts (number, owner_id, type, currency, created_at) VALUES (?, ?, 'checking', 'USD', ?)",
            (number, user_id, now_iso()),
        )


def test_account_repository_retries_a_number_collision(uow, seeded, monkeypatch, raw):
    user_id, account_id = seeded
    taken = raw.execute("SELECT number FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
    numbers = iter([taken, taken, "4000000002"])
    monkeypatch.setattr("repository.accounts.new_account_number", lambda: next(numbers))
    with uow() as work:
        account = add_account(work, user_id)
        work.commit()
    assert account.number == "4000000002"


def test_duplicate_email_is_refused_case_insensitively(uow, raw):
    with uow() as work:
        add_user(work, "same@example.com")
        work.commit()
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        raw.execute(
            "INSERT INTO users (email, full_name, password_hash, created_at) "
            "VALUES ('SAME@example.com', 'Other', 'hash', ?)",
            (now_iso(),),
        )
    # Through the repository (INSERT … ON CONFLICT DO NOTHING) the refusal is reported as None.
    with uow() as work:
        assert add_user(work, "SAME@example.com") is None
        work.commit()
    assert raw.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1


def test_duplicate_idempotency_key_for_the_same_user_is_refused(uow, seeded):
    user_id, _ = seeded
    with uow() as work:
        work.idempotency.save(user_id, "key-1", "fp", 201, "{}")
        work.commit()
    with pytest.raises(UniqueViolation, match="UNIQUE"), uow() as work:
        work.idempotency.save(user_id, "key-1", "fp-2", 201, "{}")


def test_same_idempotency_key_for_another_user_is_fine(uow, seeded):
    user_id, _ = seeded
    with uow() as work:
        other = add_user(work, "other@example.com")
        work.idempotency.save(user_id, "key-1", "fp", 201, "{}")
        work.idempotency.save(other.id, "key-1", "fp", 201, "{}")
        work.commit()
    with uow(write=False) as work:
        assert work.idempotency.stored(other.id, "key-1")["status_code"] == 201


def test_second_posted_reversal_of_one_entry_is_refused(raw):
    original = _entry(raw)
    insert = (
        "INSERT INTO journal_entries (kind, status, amount_cents, currency, reverses_entry_id, created_at)"
        " VALUES ('reversal', 'posted', 100, 'USD', ?, ?)"
    )
    raw.execute(insert, (original, now_iso()))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        raw.execute(insert, (original, now_iso()))


@pytest.fixture
def audited(uow):
    from entities.audit import AuditRecord

    with uow() as work:
        work.audit.append(AuditRecord(action="login", outcome="success"))
        work.commit()


@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET outcome = 'denied'", "DELETE FROM audit_log", "UPDATE audit_log SET hash = ''"]
)
def test_audit_log_refuses_update_and_delete(raw, statement):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute(statement)
    assert raw.execute("SELECT COUNT(*), MIN(outcome) FROM audit_log").fetchone() == (1, "success")


def test_postings_and_entries_are_immutable(uow, seeded, raw):
    _, account_id = seeded
    entry_id = _entry(raw)
    raw.execute(
        "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
        " VALUES (?, ?, 100, 100, ?)",
        (entry_id, account_id, now_iso()),
    )
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        raw.execute("UPDATE postings SET amount_cents = 1")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        raw.execute("DELETE FROM postings")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        raw.execute("DELETE FROM journal_entries")


def test_foreign_keys_are_enforced(raw):
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        raw.execute(
            "INSERT INTO accounts (number, owner_id, type, currency, created_at)"
            " VALUES ('1234567897', 999, 'checking', 'USD', ?)",
            (now_iso(),),
        )
