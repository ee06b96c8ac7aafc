"""The bank workload under kill -9 with SQLite group commit on, and proof that batches formed: every
acknowledged operation is there exactly once, nothing applied twice, `flask verify` passes, while the
server's writers shared COMMITs (several units per batch, SPEC section 12's last paragraph)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.live import Http, LiveServer
from repository.sqlite.writer import STATS_DIR_ENV
from tests.proof.bank import Workload, crash_loop, open_bank
from tests.proof.checker import Report, check
from tests.proof.test_bank import REDIS_URI, assert_clean
from tests.support import databases
from tests.support.services import require_redis

SECONDS = float(os.environ.get("PROOF_SECONDS", "3"))
CLIENTS = max(int(os.environ.get("PROOF_CLIENTS", "8")), 12)  # enough to keep every worker thread queued
KILLS = int(os.environ.get("PROOF_KILLS", "4"))

pytestmark = pytest.mark.skipif(databases.on_postgresql(), reason="group commit is SQLite's (PostgreSQL: section 17)")


def writer_stats(folder: Path) -> list[dict]:
    """What each server process that wrote reported (repository/sqlite/writer.py, one file per pid)."""
    return [json.loads(path.read_text()) for path in sorted(folder.glob("writer-*.json"))]


def run_batched_bank(workdir: Path, *, workers: int, seed: int, redis_uri: str | None = None) -> tuple[Report, list]:
    """tests/proof/checker.run_bank with group commit forced on and the writers' figures collected."""
    folder = workdir / "writer-stats"
    folder.mkdir()
    env = {"SQLITE_GROUP_COMMIT": "true", STATS_DIR_ENV: str(folder)}
    server = LiveServer(workdir, workers=workers, redis_uri=redis_uri, env=env)
    server.start()
    try:
        http = Http(server.port)
        bank, openings = open_bank(http)
        http.close()
        workload = Workload(server, bank, clients=CLIENTS, seconds=max(SECONDS, 6), seed=seed)
        events: list[str] = []
        workload.run(crash_loop(server, KILLS, max(SECONDS, 6) / (KILLS + 1), events))
        if server.proc.poll() is not None:
            server.start()
        workload.resolve()
        report = check(server, bank, openings, workload)
        report.stats.update(kills=len(events), server_kills=events.count("server"), starts=server.starts)
        return report, writer_stats(folder)
    finally:
        server.stop()


def assert_batched(report: Report, stats: list[dict]) -> None:
    assert_clean(report)
    assert report.stats["server_kills"] >= 2 and report.stats["starts"] >= 3
    assert report.stats["unanswered_sends"] > 0, "the kills interrupted no request: nothing was tested"
    assert stats and all(s["enabled"] for s in stats)
    assert len({s["pid"] for s in stats}) >= 2, "no figures from the restarted servers"
    assert max(s["max_batch"] for s in stats) > 1, f"no batch ever held two units: {stats}"
    assert sum(s["units"] for s in stats) > sum(s["batches"] for s in stats), stats
    print(f"\nwriter figures per process: {stats}")


def test_bank_workload_survives_sigkill_under_group_commit(tmp_path):
    report, stats = run_batched_bank(tmp_path, workers=1, seed=5)
    assert_batched(report, stats)


def test_bank_workload_survives_sigkill_under_group_commit_with_two_workers(tmp_path):
    require_redis()
    report, stats = run_batched_bank(tmp_path, workers=2, seed=6, redis_uri=REDIS_URI)
    assert_batched(report, stats)
