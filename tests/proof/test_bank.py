"""The bank workload over HTTP against the real server (run.py -> gunicorn), briefly in `make test`
and for minutes with 64 clients in `make soak` (PROOF_SECONDS, PROOF_CLIENTS, PROOF_KILLS)."""

from __future__ import annotations

import os
import subprocess

import pytest

from bench.live import PYTHON, ROOT, LiveServer
from tests.proof.checker import run_bank
from tests.support import databases
from tests.support.services import require_redis

SECONDS = float(os.environ.get("PROOF_SECONDS", "3"))
CLIENTS = int(os.environ.get("PROOF_CLIENTS", "8"))
KILLS = int(os.environ.get("PROOF_KILLS", "4"))
REDIS_URI = os.environ.get("PROOF_REDIS_URI", "redis://127.0.0.1:6379/12")


@pytest.fixture
def bank_db():
    """The bank's database: a SQLite file of the server's own, or in the PostgreSQL pass
    (COREBANK_TEST_DATABASE=postgresql) a fresh PostgreSQL database, so the workload, its SIGKILLs
    and the final `flask verify` run on the backend under test."""
    if not databases.on_postgresql():
        yield None
        return
    url = databases.new_postgres_database()
    yield url
    databases.drop_postgres_database(url)


def assert_clean(report) -> None:
    print("\n" + report.summary().replace("\n", "  "))  # `make soak` runs with -s: the figures of each run
    assert not report.problems, report.summary()
    assert report.stats["posted"] > 0 and report.stats["declined"] > 0, report.summary()
    assert report.stats["replays_checked"] > 0 and report.stats["concurrent_duplicates"] > 0, report.summary()
    assert report.stats["verify"] == "pass"


def test_bank_workload_one_worker_keeps_every_acknowledged_operation_exactly_once(tmp_path, bank_db):
    report = run_bank(tmp_path, workers=1, clients=CLIENTS, seconds=SECONDS, database_url=bank_db)
    assert_clean(report)
    assert report.stats["workers"] == 1


def test_bank_workload_two_workers_sharing_redis_rate_limits(tmp_path, bank_db):
    require_redis()
    import redis

    store = redis.Redis.from_url(REDIS_URI)
    stale = store.keys("LIMITS*")
    if stale:  # this database is the proof tests' own (PROOF_REDIS_URI)
        store.delete(*stale)
    report = run_bank(
        tmp_path, workers=2, redis_uri=REDIS_URI, clients=CLIENTS, seconds=SECONDS, seed=2, database_url=bank_db
    )
    assert_clean(report)
    assert report.stats["workers"] == 2
    # the limiter counted in Redis (shared by both workers), it did not fall back to memory
    assert store.keys("LIMITS*"), "no rate-limit counters in Redis"


def test_bank_workload_survives_sigkill_of_the_server(tmp_path, bank_db):
    """SIGKILL master and workers mid-request (and once only a worker), restart on the same database:
    every acknowledged operation is still there exactly once and verification passes."""
    report = run_bank(
        tmp_path, workers=1, clients=CLIENTS, seconds=max(SECONDS, 6), kills=KILLS, seed=3, database_url=bank_db
    )
    assert_clean(report)
    assert report.stats["server_kills"] >= 2 and report.stats["starts"] >= 3
    assert report.stats["unanswered_sends"] > 0, "the kills interrupted no request: nothing was tested"


def test_bank_workload_survives_sigkill_with_two_workers(tmp_path, bank_db):
    require_redis()
    report = run_bank(
        tmp_path,
        workers=2,
        redis_uri=REDIS_URI,
        clients=CLIENTS,
        seconds=max(SECONDS, 6),
        kills=KILLS,
        seed=4,
        database_url=bank_db,
    )
    assert_clean(report)
    assert report.stats["server_kills"] >= 2


def test_run_py_refuses_several_workers_with_the_in_memory_store(tmp_path):
    server = LiveServer(tmp_path, workers=2)  # no RATELIMIT_STORAGE_URI: memory://
    result = subprocess.run(  # noqa: S603
        [PYTHON, "run.py"], cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "refusing to start" in result.stderr and "RATELIMIT_STORAGE_URI" in result.stderr
