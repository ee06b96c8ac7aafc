"""The application's own writer statistics, when it exposes them (SQLite group commit: batch sizes
and writer-lock hold time). The contract the bench reads:

    The bench starts every server with COREBANK_STATS_DIR=<dir>. A worker that keeps writer
    statistics writes <dir>/writer-<pid>.json with its cumulative counters since it started,
    rewritten whenever it likes (at least once a second under load, and at exit):
        {"commits": int, "operations": int, "lock_held_s": float, "max_batch": int}
    (commits: COMMITs by the writer; operations: requests committed by them; lock_held_s: total
    time the writer lock was held; max_batch: the largest batch.)

The bench takes a snapshot before and after a load phase and reports the difference. Without any
such file every figure is "n/a"."""

from __future__ import annotations

import json
from pathlib import Path

FIELDS = ("commits", "operations", "lock_held_s")


def snapshot(folder: Path) -> dict[str, dict]:
    """The current counters of every worker that wrote them: file name -> counters."""
    found = {}
    for path in sorted(Path(folder).glob("writer-*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # being rewritten: the next snapshot will have it
        if isinstance(data, dict) and all(isinstance(data.get(name), int | float) for name in FIELDS):
            found[path.name] = data
    return found


def difference(before: dict[str, dict], after: dict[str, dict]) -> dict | None:
    """Batches and lock hold time during the phase (summed over workers); None when not exposed."""
    if not after:
        return None
    totals = dict.fromkeys(FIELDS, 0.0)
    largest = 0
    for name, counters in after.items():
        earlier = before.get(name, {})
        for field in FIELDS:
            totals[field] += counters[field] - earlier.get(field, 0)
        largest = max(largest, int(counters.get("max_batch", 0)))
    commits, operations = int(totals["commits"]), int(totals["operations"])
    return {
        "commits": commits,
        "operations": operations,
        "mean_batch": round(operations / commits, 2) if commits else None,
        "max_batch": largest or None,
        "lock_held_s": round(totals["lock_held_s"], 3),
        "lock_held_per_commit_ms": round(1000 * totals["lock_held_s"] / commits, 3) if commits else None,
        "lock_held_per_operation_ms": round(1000 * totals["lock_held_s"] / operations, 3) if operations else None,
    }
