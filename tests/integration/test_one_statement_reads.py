"""A one-statement read (the token check every authenticated API request makes) runs without BEGIN
and ROLLBACK: the statement is its own snapshot, and on PostgreSQL that is two round trips fewer.
It still sees what is committed, and a revoked session still refuses at once."""

from __future__ import annotations

import pytest

from repository.sessions import SessionRecord
from repository.unit_of_work import factory
from tests.integration.conftest import add_user
from tests.support import databases

AUDIT_KEY = "a" * 48


@pytest.fixture
def units(database_url):
    """Units of work on this run's backend: the migrated SQLite file, or a new PostgreSQL database."""
    if not databases.on_postgresql():
        yield factory(database_url, audit_key=AUDIT_KEY)
        return
    url = databases.new_postgres_database(AUDIT_KEY)
    make = factory(url, audit_key=AUDIT_KEY)
    yield make
    databases.drop_postgres_database(url)


def _in_a_transaction(work) -> bool:
    if databases.on_postgresql():
        # now() is the transaction's start; a statement of its own starts its own transaction
        return not work.conn.execute("SELECT now() = statement_timestamp()").fetchone()[0]
    work.conn.execute("SELECT 1").fetchone()
    return work.conn.raw.in_transaction


def test_a_one_statement_read_opens_no_transaction_and_a_read_does(units):
    with units(write=False, one_statement=True) as work:
        assert _in_a_transaction(work) is False
    with units(write=False) as work:
        assert _in_a_transaction(work) is True


def test_a_write_is_never_one_statement(units):
    with units(one_statement=True) as work:
        assert work.one_statement is False and _in_a_transaction(work) is True


def test_a_one_statement_read_sees_the_latest_commit_and_a_revocation(units):
    with units() as work:
        user = add_user(work, "reader@example.com")
        start = "2026-12-06T00:00:00Z"
        work.sessions.add(SessionRecord("s-1", user.id, "api", start, start, "2099-01-01T00:00:00Z", None, None, None))
        work.commit()
    with units(write=False, one_statement=True) as work:
        state = work.sessions.access_state("s-1", "jti-1", user.id)
    assert (state.blacklisted, state.session_user_id, state.revoked, state.role) == (False, user.id, False, "customer")
    with units() as work:
        work.sessions.revoke("s-1", "2026-12-06T00:00:01Z")
        work.sessions.blacklist("jti-1", "2099-01-01T00:00:00Z")
        work.commit()
    with units(write=False, one_statement=True) as work:
        state = work.sessions.access_state("s-1", "jti-1", user.id)
    assert (state.blacklisted, state.revoked) == (True, True)
