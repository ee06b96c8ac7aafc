"""Repositories translate rows to entities and back, on a real SQLite file."""

from entities.audit import GENESIS_HASH, AuditRecord
from entities.clock import now_iso
from entities.ledger import EntryKind, EntryStatus, JournalEntry, Posting
from repository import db, migrations
from repository.sessions import SessionRecord
from tests.integration.conftest import AUDIT_KEY, add_account, add_user


def test_migrations_are_recorded_and_idempotent(database_url):
    conn = db.connect(database_url)
    try:
        assert migrations.current_version(conn) == migrations.latest_version() >= 1
        assert migrations.upgrade(conn) == []
        names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY version")]
    finally:
        db.close(database_url, conn)
    assert names[0] == "0001_initial.sql"


def test_user_round_trip_and_login_state(uow):
    with uow() as work:
        user = add_user(work, "state@example.com")
        user.failed_logins, user.locked_until = 3, "2030-01-01T00:00:00.000000Z"
        work.users.save_login_state(user)
        work.commit()
    with uow(write=False) as work:
        loaded = work.users.get(user.id)
        assert work.users.email_exists("state@example.com")
        assert [u.id for u in work.users.list(locked_at="2029-01-01T00:00:00.000000Z")] == [user.id]
        assert work.users.list(locked_at="2031-01-01T00:00:00.000000Z") == []
    assert (loaded.failed_logins, loaded.locked_until, loaded.admin_locked) == (3, "2030-01-01T00:00:00.000000Z", False)


def test_customer_search_escapes_like_wildcards(uow):
    with uow() as work:
        add_user(work, "percent@example.com")
        work.commit()
    with uow(write=False) as work:
        assert work.users.search_customers("%") == []
        assert work.users.search_customers("_") == []
        assert [u.email for u in work.users.search_customers("PERCENT")] == ["percent@example.com"]


def test_system_accounts_are_created_once_per_currency(uow):
    with uow() as work:
        usd = work.accounts.system("cash-vault", "USD")
        again = work.accounts.system("cash-vault", "USD")
        eur = work.accounts.system("cash-vault", "EUR")
        work.commit()
    assert usd.id == again.id != eur.id
    assert usd.is_system and usd.owner_id is None


def test_journal_entry_round_trip_with_postings(uow, seeded):
    _, account_id = seeded
    with uow() as work:
        vault = work.accounts.system("cash-vault", "USD")
        entry = work.ledger.add(
            JournalEntry(
                EntryKind.DEPOSIT,
                EntryStatus.POSTED,
                500,
                "USD",
                memo="cash",
                account_id=account_id,
                postings=[Posting(vault.id, -500, -500), Posting(account_id, 500, 500)],
            )
        )
        work.commit()
    with uow(write=False) as work:
        loaded = work.ledger.get(entry.id)
    assert (loaded.kind, loaded.status, loaded.amount_cents, loaded.memo) == ("deposit", "posted", 500, "cash")
    assert [(p.account_id, p.amount_cents, p.balance_after_cents) for p in loaded.postings] == [
        (vault.id, -500, -500),
        (account_id, 500, 500),
    ]


def test_history_is_newest_first_and_keyset_paged(uow, seeded):
    _, account_id = seeded
    with uow() as work:
        vault = work.accounts.system("cash-vault", "USD")
        ids = []
        for n in range(1, 6):
            ids.append(
                work.ledger.add(
                    JournalEntry(
                        EntryKind.DEPOSIT,
                        EntryStatus.POSTED,
                        n,
                        "USD",
                        account_id=account_id,
                        postings=[Posting(vault.id, -n, 0), Posting(account_id, n, 0)],
                    )
                ).id
            )
        ids.append(
            work.ledger.add(
                JournalEntry(
                    EntryKind.WITHDRAWAL,
                    EntryStatus.DECLINED,
                    99,
                    "USD",
                    decline_reason="insufficient_funds",
                    account_id=account_id,
                )
            ).id
        )
        work.commit()
    with uow(write=False) as work:
        first = work.ledger.history(account_id, limit=4)
        rest = work.ledger.history(account_id, limit=4, before_entry_id=first[-1].entry_id)
        declined = work.ledger.history(account_id, limit=10, status="declined")
    assert [i.entry_id for i in first + rest] == list(reversed(ids))
    assert [(i.status, i.amount_cents, i.balance_after_cents) for i in declined] == [("declined", -99, None)]


def test_audit_append_chains_hashes(uow):
    with uow() as work:
        first = work.audit.append(AuditRecord(action="login", outcome="success", details={"n": 1}))
        second = work.audit.append(AuditRecord(action="logout", outcome="success"))
        work.commit()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    with uow(write=False) as work:
        stored = list(work.audit.iterate(batch=1))
    assert [(r.id, r.hash, r.details) for r in stored] == [(1, first.hash, {"n": 1}), (2, second.hash, {})]
    assert all(r.compute_hash(AUDIT_KEY) == r.hash for r in stored)


def test_session_revocation_keeps_the_current_one(uow, seeded):
    user_id, _ = seeded
    now = now_iso()
    with uow() as work:
        for sid in ("keep", "drop-1", "drop-2"):
            work.sessions.add(
                SessionRecord(sid, user_id, "api", now, now, "2999-01-01T00:00:00.000000Z", None, None, None)
            )
        revoked = work.sessions.revoke_all_for_user(user_id, now, except_id="keep")
        work.commit()
    with uow(write=False) as work:
        active = [s.id for s in work.sessions.active_for_user(user_id, now)]
    assert (revoked, active) == (2, ["keep"])


def test_refresh_token_can_be_marked_used_only_once(uow, seeded):
    user_id, _ = seeded
    now = now_iso()
    with uow() as work:
        work.sessions.add(SessionRecord("s", user_id, "api", now, now, "2999-01-01T00:00:00.000000Z", None, None, None))
        work.sessions.add_refresh("jti-1", "s", "2999-01-01T00:00:00.000000Z")
        assert work.sessions.mark_refresh_used("jti-1", now) is True
        assert work.sessions.mark_refresh_used("jti-1", now) is False
        work.commit()


def test_verification_queries_spot_a_balance_that_disagrees_with_its_postings(uow, seeded, raw):
    _, account_id = seeded
    with uow(write=False) as work:
        assert work.verification.mismatched_balances()[0] == []
    raw.execute("UPDATE accounts SET balance_cents = 42 WHERE id = ?", (account_id,))
    with uow(write=False) as work:
        assert work.verification.mismatched_balances()[0] == [account_id]
        assert work.verification.ledger_total() == (0, 0)


def test_accounts_listed_for_their_owner_only(uow):
    with uow() as work:
        alice, bob = add_user(work, "alice@example.com"), add_user(work, "bob@example.com")
        mine = [add_account(work, alice.id).id, add_account(work, alice.id).id]
        add_account(work, bob.id)
        work.commit()
    with uow(write=False) as work:
        assert [a.id for a in work.accounts.for_owner(alice.id)] == mine
