"""`make bench-compare BENCH_REF=<git ref>` (and a phase of `make bench` when BENCH_REF is set): did a
transfer get slower than at an earlier commit? Issues 11 and 13 ask for at most 10 % (ratio >= 0.90).

    BENCH_SECONDS=8 BENCH_REF=9211d9e python -m bench.compare

BENCH_REF is checked out into a temporary git worktree (``git worktree add --detach``; static/vendor
copied in when it lacks it; removed afterwards). Two servers, one worker each, each on a fresh SQLite
file migrated by its own tree at start-up: the ref's run.py, app and migrations (cwd in its worktree)
and the current tree's. The load is the current bench's (the transfers_sqlite phase of bench/run.py:
16 users, 32 slots, wrk with bench/requests.lua, 32 connections, a warm-up before each run), run
interleaved, ref then current, 3 times (BENCH_RUNS), BENCH_SECONDS each: on a shared machine both sides see the
same noise. Reported: the median transfers/s of each side, every run, the worker's CPU per transfer
and the ratio current/ref against the target. The ref gets only the environment its tree knows of
(a setting named in the current tree's code and not in the ref's is left out).

Prints a table and writes bench/results/compare.json; also adds the comparison to
bench/results/latest.json under "comparisons" (keyed by ref and the noted settings)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench import report, stats, wrk
from bench import server as server_program
from bench.live import Http, LiveServer

ROOT = server_program.ROOT
RESULTS = Path(__file__).resolve().parent / "results"
RUNS = 3  # per side; BENCH_RUNS overrides
TARGET = 0.90  # issues 11 and 13: a transfer no more than 10 % slower
NOTED = ("SQLITE_GROUP_COMMIT",)  # settings from the environment that name a comparison
SIDES = ("ref", "current")
_SOURCES = ("run.py", "app", "services", "repository", "entities")
_NAME = re.compile(r"""["']([A-Z][A-Z0-9_]{2,})["']""")


# ---- pure parts (tests/unit/test_bench_compare.py) ----


def worktree_add_command(repo: Path, commit: str, path: Path) -> list[str]:
    return ["git", "-C", str(repo), "worktree", "add", "--detach", str(path), commit]


def worktree_remove_command(repo: Path, path: Path) -> list[str]:
    return ["git", "-C", str(repo), "worktree", "remove", "--force", str(path)]


def interleaved(runs: int = RUNS) -> list[str]:
    """The order of the measured runs: ref, current, ref, current, ..."""
    return [side for _ in range(runs) for side in SIDES]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def ratio(current: float | None, ref: float | None) -> float | None:
    return round(current / ref, 3) if current is not None and ref else None


def spread(values: list[float]) -> float | None:
    """(max - min) / median: how far apart the runs of one side were."""
    middle = median(values)
    return round((max(values) - min(values)) / middle, 3) if values and middle else None


def names_in(text: str) -> set[str]:
    """The setting-like names quoted in source text ("SQLITE_GROUP_COMMIT", 'PORT', ...)."""
    return set(_NAME.findall(text))


def env_for_tree(
    env: dict[str, str], current_names: set[str], tree_names: set[str], keep: set[str] = frozenset()
) -> tuple[dict, list[str]]:
    """``env`` without the settings the current tree knows of and the older tree does not (except those in
    ``keep``: the caller's own environment, PATH and the like); and the names left out."""
    newer = current_names - tree_names - keep
    dropped = sorted(name for name in env if name in newer)
    return {k: v for k, v in env.items() if k not in newer}, dropped


def side_summary(runs: list[dict]) -> dict:
    """One side's runs ({"rate", "cpu_us", "errors", ...}) summed up."""
    rates = [run["rate"] for run in runs]
    cpus = [run["cpu_us"] for run in runs if run.get("cpu_us") is not None]
    batches = [run["writer"]["mean_batch"] for run in runs if (run.get("writer") or {}).get("mean_batch")]
    return {
        "rates": rates,
        "median_rate": round(median(rates), 1) if rates else None,
        "spread": spread(rates),
        "cpu_us": cpus,
        "median_cpu_us": round(median(cpus), 1) if cpus else None,
        "errors": sum(run.get("errors", 0) for run in runs),
        "median_mean_batch": median(batches),
    }


def comparison(ref: str, commits: dict, measured: dict[str, list[dict]], target: float = TARGET, **extra) -> dict:
    """The result of one comparison: both sides, the ratio current/ref of the median rates, met or not.
    Not met when either side answered anything but 201 (its rate would not be transfers)."""
    sides = {side: {"commit": commits[side], **side_summary(measured[side])} for side in SIDES}
    value = ratio(sides["current"]["median_rate"], sides["ref"]["median_rate"])
    clean = all(sides[side]["errors"] == 0 for side in SIDES)
    return {
        "ref": ref,
        **extra,
        "sides": sides,
        "ratio": value,
        "cpu_ratio": ratio(sides["current"]["median_cpu_us"], sides["ref"]["median_cpu_us"]),
        "target": target,
        "met": None if value is None else bool(value >= target and clean),
    }


def key(ref: str, noted: dict[str, str]) -> str:
    """The name of a comparison in the results: the ref and the noted settings it ran with."""
    return " ".join([ref, *(f"{name}={value}" for name, value in sorted(noted.items()))])


def _runs(values: list[float], digits: int = 0) -> str:
    return " / ".join(f"{value:,.{digits}f}" for value in values) or "n/a"


def table(result: dict) -> str:
    """ref | commit | transfers/s median | each run | CPU µs per transfer | ratio | target | met."""
    rows = []
    for side in SIDES:
        data = result["sides"][side]
        label = result["ref"] if side == "ref" else "current" + (" (uncommitted changes)" if data.get("dirty") else "")
        rows.append(
            (
                label,
                (data["commit"] or "?")[:9],
                report._number(data["median_rate"]),
                _runs(data["rates"]),
                f"{report._number(data['median_cpu_us'])} ({_runs(data['cpu_us'])})",
                "1.000" if side == "ref" else _ratio(result["ratio"]),
                "" if side == "ref" else f">= {result['target']:.2f}",
                "" if side == "ref" else report.verdict(result["met"]),
            )
        )
    headers = ("ref", "commit", "transfers/s median", "each run", "CPU us/transfer median (runs)", "ratio")
    out = report.table(rows, (*headers, "target", "met"))
    spreads = ", ".join(
        f"{side} {100 * result['sides'][side]['spread']:.1f} %"
        for side in SIDES
        if result["sides"][side]["spread"] is not None
    )
    notes = [f"spread (max - min) / median: {spreads}" if spreads else "spread: n/a"]
    if result.get("cpu_ratio") is not None:
        notes.append(f"CPU per transfer current/ref: {result['cpu_ratio']:.3f}")
    for side in SIDES:
        if result["sides"][side].get("median_mean_batch") is not None:
            batch = result["sides"][side]["median_mean_batch"]
            notes.append(f"{side}: the writer's statistics, {batch:.2f} transfers per COMMIT (median)")
    errors = {side: result["sides"][side]["errors"] for side in SIDES if result["sides"][side]["errors"]}
    if errors:
        notes.append("answers other than 201: " + ", ".join(f"{s} {n}" for s, n in errors.items()))
    return out + "\n" + "\n".join(notes)


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def merged(existing: dict | None, name: str, result: dict) -> dict:
    """``existing`` (a results file's contents, or None) with ``result`` under "comparisons"/``name``."""
    out = dict(existing or {})
    out["comparisons"] = {**(out.get("comparisons") or {}), name: result}
    return out


# ---- git ----


def _git(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 (git on our own repository)
        ["git", "-C", str(ROOT), *args],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def resolve(ref: str) -> str:
    return _git("rev-parse", "--verify", f"{ref}^{{commit}}")


@contextmanager
def ref_tree(commit: str):
    """``commit`` checked out in a temporary worktree (with the current tree's static/vendor when it has
    none); the worktree is removed afterwards, whatever happens."""
    parent = Path(tempfile.mkdtemp(prefix="corebank-bench-ref-"))
    path = parent / "tree"
    subprocess.run(worktree_add_command(ROOT, commit, path), check=True, capture_output=True)  # noqa: S603
    try:
        vendor = ROOT / "static" / "vendor"
        if vendor.is_dir() and not (path / "static" / "vendor").exists():
            shutil.copytree(vendor, path / "static" / "vendor")
        yield path
    finally:
        subprocess.run(worktree_remove_command(ROOT, path), check=False, capture_output=True)  # noqa: S603
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)  # noqa: S603,S607
        shutil.rmtree(parent, ignore_errors=True)


def source_names(tree: Path) -> set[str]:
    found: set[str] = set()
    for name in _SOURCES:
        target = tree / name
        files = [target] if target.is_file() else sorted(target.rglob("*.py")) if target.is_dir() else []
        for file in files:
            found |= names_in(file.read_text(errors="replace"))
    return found


def applied_migrations(database_url: str) -> int | None:
    try:
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
    except sqlite3.Error:
        return None


# ---- the measurement ----


def measure(work: Path, seconds: float, ref: str, runs: int = RUNS) -> dict:
    """Both sides, interleaved; see the module docstring."""
    from bench import run as bench

    commits = {"ref": resolve(ref), "current": resolve("HEAD")}
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    noted = {name: os.environ[name] for name in NOTED if name in os.environ}
    current_names = source_names(ROOT)
    with ref_tree(commits["ref"]) as tree:
        roots = {"ref": tree, "current": ROOT}
        servers, plans, dropped, stats_dirs = {}, {}, [], {}
        try:
            for side in SIDES:
                folder = work / side
                stats_dir = folder / "stats"
                stats_dir.mkdir(parents=True, exist_ok=True)
                stats_dirs[side] = stats_dir
                env = {"COREBANK_STATS_DIR": str(stats_dir), "SQLITE_WRITER_STATS_DIR": str(stats_dir)}
                server = LiveServer(folder, env=env, root=roots[side])
                if side == "ref":
                    inherited = set(os.environ) - set(NOTED)
                    known = current_names | set(env)  # the bench's own settings too
                    server.env, dropped = env_for_tree(server.env, known, source_names(tree), inherited)
                server.start()
                servers[side] = server
                http = Http(server.port)
                plans[side] = bench.write_plan(
                    folder / "transfers.plan", bench.transfer_requests(bench.setup_accounts(http))
                )
                http.close()
            measured: dict[str, list[dict]] = {side: [] for side in SIDES}
            for number, side in enumerate(interleaved(runs)):
                server = servers[side]
                print(f"  run {number // 2 + 1}/{runs}: {side}...", flush=True)
                wrk.run(f"http://{bench.HOST}:{server.port}", plans[side], min(bench.WARMUP_S, seconds))
                before = stats.snapshot(stats_dirs[side])
                result, cpu = bench.measured(server.port, plans[side], seconds, server.worker_pids)
                writer = stats.difference(before, stats.snapshot(stats_dirs[side]))
                measured[side].append(
                    {
                        "rate": result["rate"],
                        "cpu_us": cpu,
                        "errors": result["status_errors"] + result["socket_errors"],
                        "p50_ms": result["p50_ms"],
                        "p99_ms": result["p99_ms"],
                        "load": round(os.getloadavg()[0], 2),
                        "writer": writer,
                    }
                )
        finally:
            for server in servers.values():
                server.stop()
        checks = {}
        for side, server in servers.items():
            verify = server.flask("verify")
            checks[side] = {
                "verify_passed": verify.returncode == 0,
                "schema_version": applied_migrations(server.database_url),
            }
    result = comparison(
        ref,
        commits,
        measured,
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        seconds_per_run=seconds,
        runs=runs,
        order=" ".join(interleaved(runs)),
        connections=wrk.CONNECTIONS,
        workers=1,
        environment=noted,
        not_passed_to_ref=dropped,
        cpus=os.cpu_count(),
    )
    result["sides"]["current"]["dirty"] = dirty
    for side in SIDES:
        result["sides"][side].update(checks[side])
        result["sides"][side]["runs"] = measured[side]
    return result


def save(name: str, result: dict, files: tuple[str, ...] = ("compare.json", "latest.json")) -> None:
    """compare.json (this comparison beside earlier ones of other names) and latest.json's "comparisons"."""
    RESULTS.mkdir(exist_ok=True)
    for file in files:
        path = RESULTS / file
        try:
            existing = json.loads(path.read_text()) if path.exists() else None
        except ValueError:
            existing = None
        path.write_text(json.dumps(merged(existing, name, result), indent=2) + "\n")


def phase(work: Path, seconds: float, ref: str) -> tuple[str, dict]:
    """The comparison with ``ref``, printed; its name in the results and its result."""
    noted = {name: os.environ[name] for name in NOTED if name in os.environ}
    name = key(ref, noted)
    runs = int(os.environ.get("BENCH_RUNS") or RUNS)
    print(f"Comparison with {name}: transfers, one worker, ref and current interleaved, {runs} runs each", flush=True)
    result = measure(work, seconds, ref, runs)
    print()
    print(table(result))
    for side in SIDES:
        if result["sides"][side].get("verify_passed") is False:
            print(f"{side}: flask verify FAILED after the load")
    return name, result


def main() -> int:
    ref = os.environ.get("BENCH_REF", "").strip()
    if not ref:
        raise SystemExit("BENCH_REF is not set: make bench-compare BENCH_REF=<git ref>")
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    wrk.ensure_installed()
    with tempfile.TemporaryDirectory(prefix="corebank-bench-compare-") as tmp:
        name, result = phase(Path(tmp), seconds, ref)
    save(name, result)
    print(f"\nwritten: {RESULTS / 'compare.json'} and {RESULTS / 'latest.json'} (comparisons)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
