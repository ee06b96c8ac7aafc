"""bench/stats.py: the writer statistics a worker may expose, read as a before/after difference."""

import json

from bench import stats


def _write(folder, pid, **counters):
    (folder / f"writer-{pid}.json").write_text(json.dumps(counters))


def test_no_files_means_not_exposed(tmp_path):
    assert stats.difference(stats.snapshot(tmp_path), stats.snapshot(tmp_path)) is None


def test_difference_over_the_phase_summed_over_workers(tmp_path):
    _write(tmp_path, 1, commits=10, operations=20, lock_held_s=0.5, max_batch=3)
    before = stats.snapshot(tmp_path)
    _write(tmp_path, 1, commits=30, operations=100, lock_held_s=1.5, max_batch=8)
    _write(tmp_path, 2, commits=10, operations=20, lock_held_s=0.5, max_batch=4)  # started during the phase
    (tmp_path / "writer-3.json").write_text("{half written")
    assert stats.difference(before, stats.snapshot(tmp_path)) == {
        "commits": 30,
        "operations": 100,
        "mean_batch": 3.33,
        "max_batch": 8,
        "lock_held_s": 1.5,
        "lock_held_per_commit_ms": 50.0,
        "lock_held_per_operation_ms": 15.0,
    }
