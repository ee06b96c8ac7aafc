"""`make bench`: the SPEC section 12 figures, each against baselines taken in the same run.

    python -m bench.run                                  # every phase, BENCH_SECONDS=20 each
    BENCH_SECONDS=2 BENCH_ONLY=transfers_sqlite python -m bench.run   # a smoke check
    BENCH_PROFILE=1 python -m bench.run                  # also py-spy the worker during transfers

BENCH_ONLY: figure names (comma-separated, from bench.report.NAMES); only the phases they need run.
BENCH_REF: a git ref; adds the comparison of bench/compare.py (transfers/s at that ref and now,
interleaved) to whatever else runs, under "comparisons" (also bench/results/compare.json).
Load comes from wrk (bench/wrk.py, bench/requests.lua), open-loop latency from bench/openloop.py;
the server program is named in bench/server.py. Prints the tables and writes
bench/results/latest.json (git-ignored). Only 127.0.0.1 is contacted."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import bcrypt

from bench import bulk, compare, durable, openloop, proc, report, stats, wrk
from bench import postgres as pg
from bench import server as server_program
from bench.cluster import Cluster
from bench.live import HOST, SECRETS, Http, LiveServer, redis_available

RESULTS = Path(__file__).resolve().parent / "results"
PIN, PASSWORD = "2580", "benchmark password 1"
CUSTOMERS = 16  # two accounts each: 32 slots, 16 bearer tokens (the limiter counts per user)
WARMUP_S = 2.0

# Which phases each figure needs (BENCH_ONLY).
NEEDS = {
    "transfers_sqlite": {"durable_floor", "server_floor", "sqlite_1"},
    "latency_sqlite": {"sqlite_1", "openloop"},
    "two_workers_sqlite": {"sqlite_1", "sqlite_2"},
    "transfers_postgresql": {"sqlite_1", "pg_1", "pg_2_instances"},
    "two_workers_postgresql": {"pg_1", "pg_2"},
    "history_scale": {"history"},
    "verify": {"history"},
    "login": {"login"},
    "memory": {"sqlite_1", "server_floor"},
    "events_cost": {"sqlite_1", "sqlite_1_no_events"},
}


def wanted(only: str | None) -> set[str]:
    """The phases to run for BENCH_ONLY (every phase when it is empty)."""
    names = [name.strip() for name in (only or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in NEEDS]
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown figure(s) {', '.join(unknown)}; known: {', '.join(report.NAMES)}")
    chosen = names or list(NEEDS)
    return set().union(*(NEEDS[name] for name in chosen))


# ---- accounts and request plans ----


def setup_accounts(http: Http, customers: int = CUSTOMERS) -> list[dict]:
    """``customers`` customers with two funded accounts each: one slot per account."""
    plan = []
    for index in range(customers):
        email = f"bench-{index}-{time.time_ns()}@example.com"
        http.call(
            "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "full_name": f"Bench {index}"}
        )
        token = http.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}).body["access_token"]
        for kind in ("checking", "savings"):
            account = http.call("POST", "/api/v1/accounts", {"type": kind, "pin": PIN}, token).body
            http.call("POST", f"/api/v1/accounts/{account['id']}/deposits", {"amount_cents": 10**9}, token)
            plan.append({"account_id": account["id"], "number": account["number"], "token": token})
    return plan


def transfer_requests(plan: list[dict]) -> list[tuple]:
    """Slot i moves 1 cent from its account to the next slot's."""
    out = []
    for i, mine in enumerate(plan):
        other = plan[(i + 1) % len(plan)]
        body = {"from_account_id": mine["account_id"], "to_account_number": other["number"], "amount_cents": 1}
        out.append(("POST", "/api/v1/transfers", mine["token"], {**body, "pin": PIN}))
    return out


def deposit_requests(plan: list[dict]) -> list[tuple]:
    """Every deposit also posts against the currency's cash vault: the hot row of SPEC section 17."""
    return [("POST", f"/api/v1/accounts/{m['account_id']}/deposits", m["token"], {"amount_cents": 1}) for m in plan]


def limiter_counts(http: Http, plan: list[dict]) -> bool:
    """Two transfers by one user: the limiter's remaining budget must go down (it counts, raised limits)."""
    method, path, token, body = transfer_requests(plan)[0]
    remaining = []
    for _ in range(2):
        reply = http.call(method, path, body, token, {"Idempotency-Key": uuid.uuid4().hex})
        assert reply.status == 201, reply.body
        remaining.append(int(reply.headers.get("x-ratelimit-remaining", "-1")))
    return remaining[1] < remaining[0]


def write_plan(path: Path, requests: list[tuple]) -> Path:
    path.write_text(wrk.plan_lines(requests))
    return path


# ---- load phases ----


def measured(port: int, plan: Path, seconds: float, pids) -> tuple[dict, float | None]:
    """One wrk run; the server's CPU per request (µs) from /proc of ``pids()``."""
    workers = pids()
    before = proc.total_cpu(workers)
    result = wrk.run(f"http://{HOST}:{port}", plan, seconds)
    cpu = proc.total_cpu(workers) - before
    per_request = round(cpu / result.requests * 1e6, 1) if result.requests else None
    return result.as_dict(), per_request


def open_loop(port: int, plan: list[dict], rate: float, seconds: float) -> dict:
    """Transfers at ``rate`` per second whatever the answers (bench/openloop.py)."""
    host = f"{HOST}:{port}"
    bodies = []
    for _method, path, token, body in transfer_requests(plan):
        payload = json.dumps(body, separators=(",", ":")).encode()
        bodies.append((path, token, payload))
    run_id = uuid.uuid4().hex[:12]

    def make(i: int) -> bytes:
        path, token, payload = bodies[i % len(bodies)]
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"open-{run_id}-{i}",
        }
        return openloop.http_request("POST", path, host, body=payload, headers=headers)

    return openloop.run(HOST, port, make, rate, seconds).summary(expect=201)


def server_floor_phase(work: Path, seconds: float) -> dict:
    """The trivial JSON endpoint under the same server program and settings (bench/floor_app.py)."""
    server = LiveServer(work / "server-floor", command=server_program.floor_command(), ready_path="/ping")
    server.start()
    try:
        plan = write_plan(work / "ping.plan", [("GET", "/ping", None, None)])
        wrk.run(f"http://{HOST}:{server.port}", plan, min(WARMUP_S, seconds))
        ping, cpu = measured(server.port, plan, seconds, server.worker_pids)
        rss = max((proc.peak_rss_kb(pid) for pid in server.worker_pids()), default=0) / 1024
    finally:
        server.stop()
    return {"ping": ping, "cpu_per_request_us": cpu, "peak_rss_mb": round(rss, 1)}


def http_phase(
    work: Path,
    seconds: float,
    *,
    workers: int = 1,
    redis_uri: str | None = None,
    database_url: str | None = None,
    instances: int = 1,
    with_openloop: bool = False,
    with_deposits: bool = False,
    with_healthz: bool = True,
    extra_env: dict | None = None,
) -> dict:
    """/healthz, then transfers (after a warm-up), then optionally the open loop at half the transfer
    rate and deposits; server CPU per request, peak worker RSS, the writer's batches if exposed;
    `flask verify` after the load. Several instances run behind nginx (deploy/cluster.sh)."""
    stats_dir = work / "stats"
    stats_dir.mkdir(parents=True, exist_ok=True)
    env = {"COREBANK_STATS_DIR": str(stats_dir), "SQLITE_WRITER_STATS_DIR": str(stats_dir), **(extra_env or {})}
    if instances > 1:
        server = Cluster(work, database_url=database_url, redis_uri=redis_uri, env=env)
    else:
        server = LiveServer(work, workers=workers, redis_uri=redis_uri, database_url=database_url, env=env)
    postgres = database_url is not None and database_url.startswith("postgresql")
    out: dict = {
        "backend": "postgresql" if postgres else "sqlite",
        "workers": workers,
        "instances": instances,
        "limiter": "redis" if redis_uri else "memory",
    }
    server.start()
    try:
        http = Http(server.port)
        plan = setup_accounts(http)
        out["limiter_counts"] = limiter_counts(http, plan)
        http.close()
        base = f"http://{HOST}:{server.port}"
        if with_healthz:
            health = write_plan(work / "healthz.plan", [("GET", "/healthz", None, None)])
            wrk.run(base, health, min(WARMUP_S, seconds))
            out["healthz"], out["cpu_per_healthz_us"] = measured(server.port, health, seconds, server.worker_pids)
        transfers = write_plan(work / "transfers.plan", transfer_requests(plan))
        wrk.run(base, transfers, min(WARMUP_S, seconds))
        profiler = _start_profiler(server, work, seconds) if os.environ.get("BENCH_PROFILE") == "1" else None
        sampler = pg.SealerSampler(database_url).start() if postgres else None
        before = stats.snapshot(stats_dir)
        out["transfers"], out["cpu_per_transfer_us"] = measured(server.port, transfers, seconds, server.worker_pids)
        out["writer"] = stats.difference(before, stats.snapshot(stats_dir))
        if sampler:
            out["sealer_transfers"] = sampler.stop()
        out["profile"] = _finish_profiler(profiler)
        out["peak_rss_mb"] = round(max((proc.peak_rss_kb(p) for p in server.worker_pids()), default=0) / 1024, 1)
        if with_openloop and out["transfers"]["rate"]:
            rate = out["transfers"]["rate"] / 2
            print(f"  open loop at {rate:.0f} transfers/s...", flush=True)
            out["openloop"] = open_loop(server.port, plan, rate, seconds)
        if with_deposits:
            deposits = write_plan(work / "deposits.plan", deposit_requests(plan))
            out["deposits"], out["cpu_per_deposit_us"] = measured(server.port, deposits, seconds, server.worker_pids)
        out["peak_rss_mb"] = round(max((proc.peak_rss_kb(p) for p in server.worker_pids()), default=0) / 1024, 1)
    finally:
        server.stop()
    if not postgres and instances == 1:  # shows EVENTS_OUTBOX took effect (sqlite_1_no_events: 0)
        out["events_written"] = _count_events(server.database_url)
    verify = flask_cli(server.env, "verify")
    out["verify_passed"] = verify.returncode == 0
    if verify.returncode:
        out["verify_output"] = verify.stdout.strip().splitlines()[-12:]
    return out


def _count_events(database_url: str) -> int:
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    finally:
        conn.close()


def flask_cli(env: dict, *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
    flask = str(Path(server_program.PYTHON).parent / "flask")
    return subprocess.run(  # noqa: S603 (our own CLI)
        [flask, *args],
        cwd=server_program.ROOT,
        env={**env, "FLASK_APP": "app:create_app"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def postgres_phase(work: Path, seconds: float, name: str, **options) -> dict:
    """One PostgreSQL configuration on a fresh migrated database of its own."""
    why = pg.unavailable()
    if why:
        return {"skipped": why}
    if options.get("redis_uri") and not redis_available():
        return {"skipped": "Redis is not reachable on 127.0.0.1:6379"}
    url = pg.new_database(SECRETS["AUDIT_KEY"])
    try:
        return http_phase(work / name, seconds, database_url=url, with_deposits=True, **options)
    finally:
        pg.drop_database(url)


def _start_profiler(server, workdir: Path, seconds: float):
    out = workdir / "py-spy.txt"
    pid = server.worker_pids()[0]
    py_spy = Path(sys.executable).parent / "py-spy"
    args = [str(py_spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-f", "raw", "-o", str(out), "-r", "200"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out  # noqa: S603


def _finish_profiler(profiler) -> list | None:
    """The functions most often on the worker's stacks (py-spy, inclusive share of samples)."""
    if profiler is None:
        return None
    process, out = profiler
    process.wait(timeout=120)
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines() if out.exists() else []:
        stack, _, samples = line.rpartition(" ")
        frames = stack.split(";")
        total += int(samples)
        own[frames[-1]] = own.get(frames[-1], 0) + int(samples)
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + int(samples)
    if not total:
        return None
    ours = [
        (f, n) for f, n in inclusive.items() if any(f"({layer}/" in f for layer in ("app", "services", "repository"))
    ]
    lines = ["-- our code, inclusive --"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in sorted(ours, key=lambda item: -item[1])[:15]]
    lines += ["-- leaf (self) --"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in sorted(own.items(), key=lambda item: -item[1])[:15]]
    return lines


# ---- history, verify, login ----


def history_phase(workdir: Path, postings: int, requests: int = 200) -> dict:
    """GET /accounts/{id}/transactions?limit=50 (first page and a page from the middle) with ``postings``
    postings in the ledger; also `flask verify` on that ledger."""
    server = LiveServer(workdir / f"history-{postings}")
    server.start()
    http = Http(server.port)
    email = f"history-{postings}@example.com"
    http.call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "full_name": "History Owner"})
    token = http.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}).body["access_token"]
    account = http.call("POST", "/api/v1/accounts", {"type": "checking", "pin": PIN}, token).body
    entry = http.call("POST", f"/api/v1/accounts/{account['id']}/deposits", {"amount_cents": 10_000}, token).body
    vault_id = next(p["account_id"] for p in entry["postings"] if p["account_id"] != account["id"])
    http.close()
    server.stop()
    started = time.perf_counter()
    database = server.database_url.removeprefix("sqlite:///")
    added = bulk.add_entries(database, account["id"], vault_id, postings // 2 - 1, server.env["AUDIT_KEY"])
    generated_s = time.perf_counter() - started
    started = time.perf_counter()
    verify = server.flask("verify")
    verify_s = time.perf_counter() - started
    server.start()
    try:
        http = Http(server.port)
        path = f"/api/v1/accounts/{account['id']}/transactions?limit=50"
        first = _timed(http, path, token, requests)
        from entities.cursor import encode_cursor

        middle = f"{path}&cursor={encode_cursor(entry['id'] + postings // 4)}"
        deep = _timed(http, middle, token, requests)
        http.close()
    finally:
        server.stop()
    return {
        "postings": added + 2,
        "account_postings": added // 2 + 1,
        "generate_s": round(generated_s, 1),
        "first_page_ms": round(statistics.median(first), 3),
        "first_page_p99_ms": round(sorted(first)[int(0.99 * (len(first) - 1))], 3),
        "middle_page_ms": round(statistics.median(deep), 3),
        "verify_s": round(verify_s, 2),
        "verify_passed": verify.returncode == 0,
        "verify_output": verify.stdout.strip().splitlines(),
    }


def _timed(http: Http, path: str, token: str, requests: int) -> list[float]:
    for _ in range(20):  # warm-up: connection, page cache, statement cache
        assert http.call("GET", path, token=token).status == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        reply = http.call("GET", path, token=token)
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status == 200 and len(reply.body["items"]) == 50, reply.body
    return times


def login_phase(workdir: Path, cost: int = 12, rounds: int = 10) -> dict:
    """One login over HTTP at BCRYPT_COST=cost vs one bcrypt check at that cost in this process."""
    server = LiveServer(workdir / "login", env={"BCRYPT_COST": str(cost)})
    server.start()
    try:
        http = Http(server.port)
        email = "login-bench@example.com"
        http.call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "full_name": "Login Bench"})
        logins = []
        for _ in range(rounds + 1):
            started = time.perf_counter()
            reply = http.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
            logins.append((time.perf_counter() - started) * 1000)
            assert reply.status == 200, reply.body
        http.close()
    finally:
        server.stop()
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=cost))
    checks = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert bcrypt.checkpw(PASSWORD.encode(), hashed)
        checks.append((time.perf_counter() - started) * 1000)
    login_ms, bcrypt_ms = statistics.median(logins[1:]), statistics.median(checks)
    return {"cost": cost, "login_ms": round(login_ms, 1), "bcrypt_check_ms": round(bcrypt_ms, 1)}


# ---- the run ----


def run_phases(work: Path, seconds: float, phases: set[str], redis_db: str, ref: str = "") -> dict:
    results: dict = {}
    audit_key = SECRETS["AUDIT_KEY"]

    def step(label: str) -> None:
        print(f"{label}...", flush=True)

    if "durable_floor" in phases:
        step("Durable floor: the sqlite3 loop, one COMMIT per transfer")
        results["durable_floor"] = durable.run(work / "durable", seconds, audit_key)
    if "server_floor" in phases:
        step(f"Server floor: a trivial Flask app under {server_program.NAME}")
        results["server_floor"] = server_floor_phase(work, seconds)
    if "sqlite_1" in phases:
        step("SQLite, one worker: /healthz, transfers" + (", open loop" if "openloop" in phases else ""))
        results["sqlite_1"] = http_phase(work / "sqlite_1", seconds, with_openloop="openloop" in phases)
    if "sqlite_1_no_events" in phases:
        # Issue 13: the cost of the events outbox, measured right after the phase it is compared with.
        step("SQLite, one worker, EVENTS_OUTBOX=false: transfers without writing events")
        results["sqlite_1_no_events"] = http_phase(
            work / "sqlite_1_no_events", seconds, with_healthz=False, extra_env={"EVENTS_OUTBOX": "false"}
        )
    if "durable_floor" in phases:
        step("Durable floor, 10 transfers per COMMIT (explanatory)")
        results["durable_floor_batched"] = durable.run(work / "durable", seconds / 2, audit_key, per_commit=10)
    if "sqlite_2" in phases:
        if redis_available():
            step("SQLite, two workers sharing Redis")
            results["sqlite_2"] = http_phase(work / "sqlite_2", seconds, workers=2, redis_uri=redis_db)
        else:
            results["sqlite_2"] = {"skipped": "Redis is not reachable on 127.0.0.1:6379"}
    if "pg_1" in phases:
        step("PostgreSQL, one worker")
        results["pg_1"] = postgres_phase(work, seconds, "pg_1")
    if "pg_2" in phases:
        step("PostgreSQL, two workers sharing Redis")
        results["pg_2"] = postgres_phase(work, seconds, "pg_2", workers=2, redis_uri=redis_db)
    if "pg_2_instances" in phases:
        step("PostgreSQL, two instances behind nginx (deploy/cluster.sh)")
        results["pg_2_instances"] = postgres_phase(work, seconds, "pg_2_instances", instances=2, redis_uri=redis_db)
    if "history" in phases:
        step("History at 1,000 and 1,000,000 postings (generating), flask verify")
        results["history_1k"] = history_phase(work, 1_000)
        results["history_1m"] = history_phase(work, 1_000_000)
    if "login" in phases:
        step("Login vs bcrypt at cost 12")
        results["login"] = login_phase(work)
    if ref:
        name, result = compare.phase(work / "compare", seconds, ref)
        results["comparisons"] = {name: result}
    return results


def security_summary(results: dict) -> dict:
    """What was on during the transfer loads (SPEC 12: full security, ``synchronous=FULL``)."""
    from repository.sqlite.connection import connect

    with tempfile.TemporaryDirectory(prefix="corebank-bench-pragma-") as tmp:
        conn = connect(f"sqlite:///{tmp}/probe.db")
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
        conn.close()
    phases = [results[key] for key, _ in report.CONFIGS if results.get(key) and "transfers" in results[key]]
    return {
        "jwt": "a bearer access token on every transfer (16 users)",
        "rate_limiter": "counting with raised limits: "
        + ", ".join(f"{p['backend']}/{p['limiter']}={'yes' if p['limiter_counts'] else 'NO'}" for p in phases),
        "idempotency": "a unique Idempotency-Key on every POST (bench/requests.lua)",
        "audit": "every transfer writes its audit record; flask verify after each load: "
        + ("passed" if all(p.get("verify_passed") for p in phases) else "FAILED"),
        "csrf": "on; the JSON API is exempt by design (bearer tokens, no cookies)",
        "sqlite_synchronous": {2: "FULL", 3: "EXTRA"}.get(synchronous, f"NOT FULL ({synchronous})"),
    }


def print_results(results: dict) -> None:
    print()
    print(report.figures_table(results["figures"]))
    print()
    print("\n".join(report.checks_lines(results["figures"])))
    print()
    print("What explains it (closed loop: wrk, 32 connections; CPU from /proc of the workers):")
    print(report.explanatory_table(results))
    for key, _label in report.CONFIGS:
        phase = results.get(key) or {}
        if phase and "skipped" not in phase and not phase.get("limiter_counts", True):
            print(f"\n{key}: the rate limiter's remaining budget did not go down: is it counting?")
        if phase.get("verify_passed") is False:
            print(f"\n{key}: flask verify FAILED after the load:\n  " + "\n  ".join(phase.get("verify_output", [])))
        sealer = phase.get("sealer_transfers")
        if sealer:
            print(
                f"\n{key}: sealer under transfers: {sealer['audit_sealed_per_s']:.0f} audit records chained/s for"
                f" {sealer['audit_written_per_s']:.0f} written/s; unsealed tail peak {sealer['unsealed_peak']}"
                f" (oldest {sealer['unsealed_oldest_peak_s']:.2f} s, SPEC 17 allows 60 s);"
                f" drained {sealer['drain_after_load_s']:.2f} s after the load"
            )
        if phase.get("profile"):
            print(f"\n{key}: py-spy, share of worker samples with the function on the stack:")
            print("\n".join("  " + line for line in phase["profile"]))
    print("\nSecurity during the loads: " + "; ".join(f"{k}: {v}" for k, v in results["security"].items()))
    print(
        f"\nserver: {results['server']}; {results['machine']['cpus']} CPUs, load average before the run"
        f" {results['machine']['load_before']}; {results['seconds_per_phase']:g} s per phase"
    )
    for name, comparison in (results.get("comparisons") or {}).items():
        print(f"\nTransfers now against {name} (interleaved, median of {comparison['runs']} runs each):")
        print(compare.table(comparison))


def main() -> int:
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    only = os.environ.get("BENCH_ONLY", "")
    ref = os.environ.get("BENCH_REF", "").strip()
    phases = wanted(only)
    redis_db = os.environ.get("BENCH_REDIS_URI", "redis://127.0.0.1:6379/13")
    wrk.ensure_installed()
    results: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": [round(x, 2) for x in os.getloadavg()],
        },
        "server": server_program.NAME,
        "seconds_per_phase": seconds,
        "connections": wrk.CONNECTIONS,
        "only": only or None,
        "ref": ref or None,
    }
    with tempfile.TemporaryDirectory(prefix="corebank-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx's workers (user nobody when run as root) reach the cluster's run dir
        results.update(run_phases(work, seconds, phases, redis_db, ref))
    results["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    results["security"] = security_summary(results)
    results["figures"] = report.figures(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    for name, comparison in (results.get("comparisons") or {}).items():
        compare.save(name, comparison, files=("compare.json",))
    print_results(results)
    print(f"\nwritten: {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
