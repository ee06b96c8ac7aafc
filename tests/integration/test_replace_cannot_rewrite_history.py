"""REPLACE cannot rewrite the append-only audit log or the immutable journal, and journal entries
cannot be updated: the database refuses and the row is unchanged."""

import sqlite3

import pytest

from entities.clock import now_iso
from tests.integration.conftest import add_account, add_user


@pytest.fixture
def posted(uow, raw):
    """One audit record and one journal entry with a posting, committed."""
    with uow() as work:
        account = add_account(work, add_user(work).id)
        work.commit()
    raw.execute(
        "INSERT INTO audit_log (id, created_at, action, outcome, prev_hash, hash)"
        " VALUES (1, ?, 'x', 'success', '', '')",
        (now_iso(),),
    )
    raw.execute(
        "INSERT INTO journal_entries (id, kind, status, amount_cents, currency, account_id, created_at)"
        " VALUES (1, 'deposit', 'posted', 100, 'USD', ?, ?)",
        (account.id, now_iso()),
    )
    raw.execute(
        "INSERT INTO postings (id, entry_id, account_id, amount_cents, balance_after_cents, created_at)"
        " VALUES (1, 1, ?, 100, 100, ?)",
        (account.id, now_iso()),
    )
    return account.id


# REPLACE deletes the conflicting row without firing DELETE triggers: it rewrote rows in place.
@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("INSERT OR REPLACE INTO audit_log SELECT * FROM audit_log WHERE id = 1", "append-only"),
        ("REPLACE INTO postings SELECT * FROM postings WHERE id = 1", "immutable"),
        ("REPLACE INTO journal_entries SELECT * FROM journal_entries WHERE id = 1", "immutable"),
        ("UPDATE journal_entries SET amount_cents = 5", "immutable"),
    ],
)
def test_replace_and_journal_updates_are_refused(posted, raw, statement, message):
    with pytest.raises(sqlite3.IntegrityError, match=message):
        raw.execute(statement)
    assert raw.execute("SELECT amount_cents FROM journal_entries").fetchall() == [(100,)]
