"""Bench-only PostgreSQL helpers: a fresh migrated database per phase, and a sampler of the sealer's
backlog during the load (SPEC section 17: the audit chain and the system accounts' balances are
extended after commit by one sealer, so its cost shows as the unsealed tail and its drain time).

BENCH_POSTGRES_URL (else COREBANK_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/postgres)
names the server; only loopback servers are meant."""

from __future__ import annotations

import itertools
import os
import threading
import time
from datetime import UTC, datetime

SERVER_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("COREBANK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
)
_counter = itertools.count(1)


def unavailable() -> str | None:
    """Why PostgreSQL cannot be benchmarked (None when it can)."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed: {exc}"
    try:
        psycopg.connect(SERVER_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL is not reachable at {SERVER_URL}: {str(exc).splitlines()[0]}"
    return None


def _admin():
    import psycopg

    return psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=5)


def new_database(audit_key: str) -> str:
    """A new database on the server, migrated as `flask migrate` would; returns its URL."""
    from repository import db, migrations

    name = f"corebank_bench_{os.getpid()}_{next(_counter)}"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER_URL.rsplit('/', 1)[0]}/{name}"
    conn = db.connect(url)
    try:
        migrations.upgrade(conn, audit_key)
    finally:
        db.close(url, conn)
        db.dispose(url)
    return url


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _age_s(created_at: str | None) -> float:
    if not created_at:
        return 0.0
    return (datetime.now(UTC) - datetime.fromisoformat(created_at)).total_seconds()


class SealerSampler:
    """Every ``interval`` s during a load phase: audit records not yet chained (count, age of the
    oldest), system-account postings not yet folded, and how far the chain has got. ``stop()`` then
    waits for the backlog to drain and gives the figures."""

    QUERY = (
        "SELECT (SELECT count(*) FROM audit_log WHERE hash IS NULL),"
        " (SELECT min(created_at) FROM audit_log WHERE hash IS NULL),"
        " (SELECT count(*) FROM postings WHERE balance_after_cents IS NULL),"
        " (SELECT coalesce(max(chain_seq), 0) FROM audit_log),"
        " (SELECT coalesce(max(id), 0) FROM audit_log)"
    )

    def __init__(self, url: str, interval: float = 0.25):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.interval = interval
        self.samples: list[tuple[float, int, float, int, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> tuple[float, int, float, int, int, int]:
        unsealed, oldest, unfolded, sealed, written = self.conn.execute(self.QUERY).fetchone()
        return time.monotonic(), unsealed, _age_s(oldest), unfolded, sealed, written

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self._sample())
            self._stop.wait(self.interval)

    def start(self) -> SealerSampler:
        self.samples.append(self._sample())
        self._thread.start()
        return self

    def stop(self, drain_timeout: float = 60.0) -> dict:
        self._stop.set()
        self._thread.join(timeout=10)
        load = self.samples[:]
        first, last = load[0], load[-1]
        elapsed = (last[0] - first[0]) or 1.0
        started = time.monotonic()
        while time.monotonic() - started < drain_timeout:
            _, unsealed, _, unfolded, _, _ = self._sample()
            if not unsealed and not unfolded:
                break
            time.sleep(0.02)
        drain_s = time.monotonic() - started
        self.conn.close()
        written = (last[5] - first[5]) / elapsed
        sealed = (last[4] - first[4]) / elapsed
        return {
            "audit_written_per_s": round(written, 1),
            "audit_sealed_per_s": round(sealed, 1),
            "sealed_vs_written": round(sealed / written, 3) if written else None,
            "unsealed_peak": max(s[1] for s in load),
            "unsealed_mean": round(sum(s[1] for s in load) / len(load), 1),
            "unsealed_oldest_peak_s": round(max(s[2] for s in load), 3),
            "unfolded_postings_peak": max(s[3] for s in load),
            "drain_after_load_s": round(drain_s, 3),
            "samples": len(load),
        }
