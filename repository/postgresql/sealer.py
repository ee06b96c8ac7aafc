"""The sealer (SPEC sections 7 and 17): on PostgreSQL commits are not serialised, so the audit
chain is not extended inside each money transaction. A record is written there without its
links; one sealer at a time (a transaction-level advisory lock, so across every instance) chains
the committed records, and in the same pass folds the postings of system accounts into their
balances. That is how cash-vault and card-settlement stop being a row every deposit, withdrawal
and card payment in a currency queues on.

The chain takes every committed record not chained yet (``hash IS NULL``, a partial index), so a
transaction that commits late is chained after what is already sealed: never skipped, never
forked (one sealer at a time, each link naming the one before). Verification reports the unsealed
tail (SPEC 17: a record left unchained for a minute fails it). Only what our writers wrote is
chained: each record carries the keyed MAC its writer stored with it (repository/audit.py), and a
record whose MAC is missing or wrong (written behind the application's back, without the key) is
marked refused instead, once, and left out of the chain and of the queue; verification fails on it.
Events (SPEC 16) are numbered the same way: each committed event not numbered yet gets the next id
after the largest so far.

The fold needs more: a system posting's balance after must follow the order in which the
postings are folded, and verification reads the last one by (txid, id). So a posting is folded
only once every transaction of this database that could still commit one with a smaller txid has
ended: its txid is below the horizon, the oldest transaction id still running in this database
(from the snapshot's in-progress list, matched with pg_stat_activity; other databases of the
server cannot write here, so they never hold the fold back)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict

from entities.audit import GENESIS_HASH, AuditRecord, mac_matches
from entities.clock import now_iso
from repository.audit import SEALED

SEALER_LOCK = 0x636F7265_62616E6B  # "corebank": one sealer across every instance
BATCH = 2000
# The oldest transaction id still running in this database, or the snapshot's xmax when none is
# (read in one statement: the snapshot is taken before pg_stat_activity is looked at, so a
# transaction that starts later has a txid at or above its xmax).
_HORIZON_SQL = """SELECT LEAST(pg_snapshot_xmax(pg_current_snapshot()),
    (SELECT MIN(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE CAST(CAST(x AS TEXT) AS BIGINT) % 4294967296 IN (
            SELECT CAST(CAST(backend_xid AS TEXT) AS BIGINT) FROM pg_stat_activity
             WHERE datname = current_database() AND backend_xid IS NOT NULL)))"""
_FIELDS = f"{SEALED}, id, nonce, mac"  # AuditRecord's order, then what the writer sealed it with

log = logging.getLogger("corebank.sealer")


WAIT_LIMIT_S = 10.0


def seal(conn, audit_key: bytes, *, wait: bool = False) -> int:
    """One sealing pass on ``conn`` (a PostgresConnection outside any transaction). Returns the rows
    sealed or folded; 0 when another sealer holds the lock and ``wait`` is false.

    With ``wait`` it queues for the lock and returns only once everything committed before the
    call is sealed and folded: xmin is cluster-wide, so a transaction of any database still open
    can hold the horizon back for a moment (bounded by WAIT_LIMIT_S)."""
    conn.execute("BEGIN")
    try:
        target = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())").fetchone()[0]
        if wait:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (SEALER_LOCK,))
        elif not conn.execute("SELECT pg_try_advisory_xact_lock(?)", (SEALER_LOCK,)).fetchone()[0]:
            conn.execute("ROLLBACK")
            return 0
        done, deadline = 0, time.monotonic() + WAIT_LIMIT_S
        while True:
            step = _chain(conn, audit_key) + _fold(conn) + _number_events(conn)
            done += step
            if step:
                continue
            if not wait or not _left_before(conn, target) or time.monotonic() > deadline:
                break
            time.sleep(0.005)
        conn.execute("COMMIT")
        return done
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _left_before(conn, target) -> bool:
    """Whether a row of a transaction older than ``target`` still waits (committed, below no horizon yet)."""
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE hash IS NULL AND refused_at IS NULL AND txid < ?)"
        " OR EXISTS (SELECT 1 FROM postings WHERE balance_after_cents IS NULL AND txid < ?)"
        " OR EXISTS (SELECT 1 FROM events WHERE seq IS NULL AND txid < ?)",
        (target, target, target),
    ).fetchone()[0]


def _chain(conn, key: bytes) -> int:
    head = conn.execute(
        "SELECT chain_seq, hash FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1"
    ).fetchone()
    seq, previous = (head[0], head[1]) if head else (0, GENESIS_HASH)
    rows = conn.tuples(
        f"SELECT {_FIELDS} FROM audit_log WHERE hash IS NULL AND refused_at IS NULL ORDER BY txid, id LIMIT ?",
        (BATCH,),
    )
    links, refused = [], []
    for row in rows:
        if not mac_matches(key, row[11], row[:10], row[12]):
            refused.append((now_iso(), row[10]))
            continue
        record = AuditRecord(*row[:8], json.loads(row[8]), row[9], row[10], previous)
        record.hash = record.compute_hash(key)
        seq += 1
        links.append((record.prev_hash, record.hash, seq, record.id))
        previous = record.hash
    if refused:
        log.warning("sealer: refused to chain audit records %s: their MAC is missing or wrong", [r[1] for r in refused])
        conn.executemany("UPDATE audit_log SET refused_at = ? WHERE id = ?", refused)
    conn.executemany("UPDATE audit_log SET prev_hash = ?, hash = ?, chain_seq = ? WHERE id = ?", links)
    return len(links) + len(refused)


def _number_events(conn) -> int:
    """Give committed events their public ids (SPEC 16), after the largest given so far: an event
    whose transaction commits late is numbered late, so a reader paging by id never skips it."""
    last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
    rows = conn.tuples("SELECT id FROM events WHERE seq IS NULL ORDER BY txid, id LIMIT ?", (BATCH,))
    conn.executemany("UPDATE events SET seq = ? WHERE id = ?", [(last + i, row[0]) for i, row in enumerate(rows, 1)])
    return len(rows)


def _horizon(conn):
    conn.execute("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is cached per transaction otherwise
    return conn.execute(_HORIZON_SQL).fetchone()[0]


def _fold(conn) -> int:
    rows = conn.tuples(
        "SELECT id, account_id, amount_cents FROM postings WHERE balance_after_cents IS NULL AND txid < ?"
        " ORDER BY txid, id LIMIT ?",
        (_horizon(conn), BATCH),
    )
    if not rows:
        return 0
    by_account = defaultdict(list)
    for posting_id, account_id, amount in rows:
        by_account[account_id].append((posting_id, amount))
    updates = []
    for account_id in sorted(by_account):
        balance = conn.execute(
            "SELECT balance_cents FROM accounts WHERE id = ? FOR NO KEY UPDATE", (account_id,)
        ).fetchone()[0]
        for posting_id, amount in by_account[account_id]:
            balance += amount
            updates.append((balance, posting_id))
        conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (balance, account_id))
    conn.executemany("UPDATE postings SET balance_after_cents = ? WHERE id = ?", updates)
    return len(updates)


class SealerThread(threading.Thread):
    """This process's sealer: woken after each write commit, and every second in any case (so a
    record whose writer died right after COMMIT, or lost the lock race, is sealed soon after)."""

    INTERVAL_S = 1.0

    def __init__(self, backend, audit_key: bytes):
        super().__init__(name="corebank-sealer", daemon=True)
        self.backend = backend
        self.audit_key = audit_key
        self._wake = threading.Event()
        self._stopped = threading.Event()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        self.join(timeout=5)

    def run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.INTERVAL_S)
            self._wake.clear()
            if self._stopped.is_set():
                return
            try:
                conn = self.backend.acquire()
            except Exception:  # the pool is closed or the database is down: try again later
                log.warning("sealer: no database connection; retrying")
                continue
            broken = False
            try:
                seal(conn, self.audit_key)
            except Exception:
                broken = True
                log.exception("sealing pass failed; the next one retries")
            finally:
                try:
                    self.backend.release(conn, broken=broken)
                except Exception:
                    log.warning("sealer: could not return its connection to the pool")
