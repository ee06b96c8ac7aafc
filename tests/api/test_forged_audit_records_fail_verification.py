"""An audit record forged without AUDIT_KEY fails verification (SPEC sections 7, 8 and 17), with the
money it pretends to explain. SQLite: every record is walked whatever its id, the walk must account
for every row of the log, and the database refuses an id below 1. PostgreSQL: the writer stores a
keyed MAC with each record in its own transaction; the sealer chains no record whose MAC is missing
or wrong (it marks it refused and goes on with the others), and verification fails on such a record
at once instead of waiting for it to be sealed. On the suite's backend."""

from __future__ import annotations

import time

import pytest

from entities.audit import GENESIS_HASH
from repository.errors import IntegrityViolation, UniqueViolation
from repository.postgresql.sealer import WAIT_LIMIT_S
from tests.api.helpers import raw_connection
from tests.support import databases

FORGED_CENTS = 500_000_000
FORGED_AT = "2030-01-01T00:00:00.000000Z"
sqlite_only = pytest.mark.skipif(databases.on_postgresql(), reason="SQLite's chain is written by each writer")
postgresql_only = pytest.mark.skipif(not databases.on_postgresql(), reason="PostgreSQL only: the sealer")


@pytest.fixture
def app_config(app_config, database_url):
    """This file runs on the suite's backend: PostgreSQL in the PostgreSQL pass."""
    return {**app_config, "DATABASE_URL": database_url} if databases.on_postgresql() else app_config


@pytest.fixture
def victim(api):
    """A customer's account with a deposit of its own: (account, headers)."""
    _, headers = api.customer()
    return api.funded_account(headers, 1_000), headers


def _failed(services) -> dict[str, str]:
    return {check.name: check.detail for check in services.verification.run() if not check.passed}


def _forge_deposit(db, account_id: int) -> int:
    """A deposit of FORGED_CENTS into ``account_id`` from the cash vault, balances brought along (a
    PostgreSQL vault posting is left to the sealer to fold, as the application leaves it)."""
    entry_id = db.one(
        "INSERT INTO journal_entries (kind, status, amount_cents, currency, account_id, created_at)"
        " VALUES ('deposit', 'posted', ?, 'USD', ?, ?) RETURNING id",
        (FORGED_CENTS, account_id, FORGED_AT),
    )
    vault = db.one("SELECT id FROM accounts WHERE system_code = 'cash-vault'")
    for posted_to, amount in ((vault, -FORGED_CENTS), (account_id, FORGED_CENTS)):
        folded_later = db.backend == "postgresql" and posted_to == vault
        balance = db.one("SELECT balance_cents FROM accounts WHERE id = ?", (posted_to,))
        after = None if folded_later else balance + amount
        db.execute(
            "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (entry_id, posted_to, amount, after, FORGED_AT),
        )
        if not folded_later:
            db.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (after, posted_to))
    return entry_id


def _money_record(entry_id: int, account_id: int) -> tuple:
    """The audit record the application writes for such a deposit (details as its json.dumps sorts them)."""
    details = f'{{"account_id": {account_id}, "amount_cents": {FORGED_CENTS}, "counterparty_account_id": null}}'
    return (FORGED_AT, "deposit", "journal_entry", str(entry_id), "success", details)


_MONEY_COLUMNS = "created_at, action, resource_type, resource_id, outcome, details"


@pytest.mark.parametrize("record_id", [0, -7])
def test_the_database_refuses_an_audit_record_with_an_id_below_one(app, victim, record_id):
    with raw_connection(app) as db:
        links = ", prev_hash, hash" if db.backend == "sqlite" else ""
        with pytest.raises(IntegrityViolation, match="audit record ids start at 1"):
            db.execute(
                f"INSERT INTO audit_log (id, created_at, action, outcome{links})"
                f" VALUES (?, ?, 'login', 'success'{', ?, ?' if links else ''})",
                (record_id, FORGED_AT, *((GENESIS_HASH, "f" * 64) if links else ())),
            )
        assert db.one("SELECT COUNT(*) FROM audit_log WHERE id < 1") == 0


@sqlite_only
@pytest.mark.parametrize("record_id", [0, -7])
def test_a_forged_deposit_audited_under_an_id_below_one_fails(app, services, victim, record_id):
    """The walk starts at the lowest id, not after 0: the forged record heads the chain and breaks it."""
    account, _ = victim
    with raw_connection(app) as db, db.trigger_lifted("audit_log", "audit_log_positive_id"):
        entry_id = _forge_deposit(db, account["id"])
        db.execute(
            f"INSERT INTO audit_log (id, {_MONEY_COLUMNS}, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record_id, *_money_record(entry_id, account["id"]), GENESIS_HASH, "f" * 64),
        )

    failed = _failed(services)

    assert list(failed) == ["audit_chain_intact"]
    assert failed["audit_chain_intact"].startswith(f"ids: {record_id}, 1")


@postgresql_only
def test_a_forged_deposit_with_an_unchained_audit_record_fails_at_once(app, api, services, victim):
    account, _ = victim
    with raw_connection(app) as db:
        entry_id = _forge_deposit(db, account["id"])
        forged = db.one(
            f"INSERT INTO audit_log ({_MONEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            _money_record(entry_id, account["id"]),
        )

    started = time.monotonic()
    failed = _failed(services)

    assert time.monotonic() - started < WAIT_LIMIT_S  # not waiting for the sealer to chain it
    assert failed == {"audit_chain_intact": f"ids: {forged}"}
    api.customer()  # records written after the forged one are chained all the same
    services.uow.seal()
    with raw_connection(app) as db:
        assert db.rows("SELECT id FROM audit_log WHERE hash IS NULL") == [(forged,)]
        assert db.one("SELECT refused_at IS NOT NULL FROM audit_log WHERE id = ?", (forged,)) is True
    assert _failed(services) == {"audit_chain_intact": f"ids: {forged}"}


@postgresql_only
def test_a_forged_record_carrying_a_genuine_records_mac_fails(app, services, victim):
    account, _ = victim
    with raw_connection(app) as db:
        entry_id = _forge_deposit(db, account["id"])
        nonce, mac = db.rows("SELECT nonce, mac FROM audit_log WHERE action = 'deposit'")[0]
        forged = db.one(
            f"INSERT INTO audit_log ({_MONEY_COLUMNS}, nonce, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (*_money_record(entry_id, account["id"]), nonce[::-1], mac),
        )

    assert _failed(services) == {"audit_chain_intact": f"ids: {forged}"}


_EVERY_COLUMN = "created_at, actor_id, action, resource_type, resource_id, outcome, ip, user_agent, request_id, details"


@postgresql_only
def test_a_copy_of_a_genuine_record_is_refused_and_fails_verification(app, services, victim):
    """A replay (every column of a genuine record, its MAC included) is refused by the nonce's unique index;
    with that index dropped, the copy is chained but verification names both records."""
    copy = (
        f"INSERT INTO audit_log ({_EVERY_COLUMN}, nonce, mac) SELECT {_EVERY_COLUMN}, nonce, mac FROM audit_log"
        " WHERE action = 'login' RETURNING id"
    )
    with raw_connection(app) as db:
        original = db.one("SELECT id FROM audit_log WHERE action = 'login'")
        with pytest.raises(UniqueViolation):
            db.execute(copy)
        db.execute("DROP INDEX audit_nonce")
        replayed = db.one(copy)

    assert _failed(services) == {"audit_chain_intact": f"ids: {original}, {replayed}"}


@postgresql_only
def test_a_record_chained_behind_the_sealers_back_is_not_skipped(app, services, victim):
    """Links without a chain position (the CHECK tying them dropped): the walk by position never meets it,
    it is not waiting for the sealer either, and the count of the log tells."""
    with raw_connection(app) as db:
        db.execute("ALTER TABLE audit_log DROP CONSTRAINT audit_log_check")
        db.execute(
            "INSERT INTO audit_log (created_at, action, outcome, prev_hash, hash) VALUES (?, 'login', 'success', ?, ?)",
            (FORGED_AT, GENESIS_HASH, "f" * 64),
        )
        total = db.one("SELECT COUNT(*) FROM audit_log")

    failed = _failed(services)

    assert failed == {"audit_chain_intact": f"{total} records in the log, {total - 1} walked"}
