"""`make bench`: the SPEC section 12 figures, each against a baseline taken in the same run.

    python -m bench.run            # BENCH_SECONDS=20 per load phase (shorten it for a quick look)
    BENCH_PROFILE=1 python -m bench.run   # also sample the worker with py-spy during the transfer load

Prints a table and writes bench/results/latest.json (git-ignored). Only 127.0.0.1 is contacted."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

from bench import bulk, load
from bench import postgres as pg
from bench.live import SECRETS, Http, LiveServer, redis_available
from bench.report import print_table, targets

RESULTS = Path(__file__).resolve().parent / "results"
PIN, PASSWORD = "2580", "benchmark password 1"
CLIENTS = 32


def setup_accounts(http: Http, customers: int = 16) -> list[dict]:
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
            plan.append({"account_id": account["id"], "number": account["number"], "token": token, "pin": PIN})
    return plan


def http_phase(
    workdir: Path,
    seconds: float,
    workers: int = 1,
    redis_uri: str | None = None,
    *,
    database_url: str | None = None,
    instances: int = 1,
) -> dict:
    """/healthz rate (the baseline), then transfers, then deposits (every one also posts against the
    cash vault), with 32 closed-loop clients each; peak worker RSS. ``database_url``: a PostgreSQL
    database (else a fresh SQLite file), shared by ``instances`` servers, the clients spread over them;
    on PostgreSQL the sealer's backlog is sampled during the money phases."""
    servers = [
        LiveServer(workdir / f"instance-{n}", workers=workers, redis_uri=redis_uri, database_url=database_url)
        for n in range(instances)
    ]
    for server in servers:
        server.start()
    ports = [server.port for server in servers]
    postgres = database_url is not None and database_url.startswith("postgresql")
    sealer: dict = {}
    try:
        http = Http(ports[0])
        plan = setup_accounts(http)
        http.close()
        health = load.run(ports, load.healthz, clients=CLIENTS, seconds=seconds)
        profiler = _start_profiler(servers[0], workdir, seconds) if os.environ.get("BENCH_PROFILE") == "1" else None
        sampler = pg.SealerSampler(database_url).start() if postgres else None
        transfer = load.run(ports, load.transfers(plan), clients=CLIENTS, seconds=seconds, expect=201)
        if sampler:
            sealer["transfers"] = sampler.stop()
        profile = _finish_profiler(profiler)
        sampler = pg.SealerSampler(database_url).start() if postgres else None
        deposit = load.run(ports, load.deposits(plan), clients=CLIENTS, seconds=seconds, expect=201)
        if sampler:
            sealer["deposits"] = sampler.stop()
        rss_mb = max(_peak_rss_kb(pid) for server in servers for pid in server.worker_pids()) / 1024
    finally:
        for server in servers:
            server.stop()
    verify = servers[0].flask("verify")
    result = {
        "backend": "postgresql" if postgres else "sqlite",
        "workers": workers,
        "instances": instances,
        "healthz_rps": round(health.rate, 1),
        "healthz_p50_ms": round(health.percentile(50), 2),
        "healthz_p99_ms": round(health.percentile(99), 2),
        "transfer_rps": round(transfer.rate, 1),
        "transfer_p50_ms": round(transfer.percentile(50), 2),
        "transfer_p99_ms": round(transfer.percentile(99), 2),
        "transfer_errors": transfer.errors,
        "transfer_vs_healthz": round(transfer.rate / health.rate, 3) if health.rate else None,
        "deposit_rps": round(deposit.rate, 1),
        "deposit_p50_ms": round(deposit.percentile(50), 2),
        "deposit_p99_ms": round(deposit.percentile(99), 2),
        "deposit_errors": deposit.errors,
        "deposit_vs_transfer": round(deposit.rate / transfer.rate, 3) if transfer.rate else None,
        "peak_worker_rss_mb": round(rss_mb, 1),
        "verify_passed": verify.returncode == 0,
        "verify_output": verify.stdout.strip().splitlines()[-12:] if verify.returncode else [],
        "profile": profile,
    }
    if sealer:
        result["sealer"] = sealer
    return result


def postgres_phases(work: Path, seconds: float, redis_db: str) -> dict:
    """SPEC sections 12 and 17 on PostgreSQL: one worker, two workers (Redis), two instances of one
    worker each (Redis), each on a fresh database of its own."""
    why = pg.unavailable()
    if why:
        print(f"PostgreSQL: skipped ({why})", flush=True)
        return {"pg_1_worker": {"skipped": why}}
    runs = [("pg_1_worker", "one worker", {"workers": 1})]
    if redis_available():
        runs.append(("pg_2_workers", "two workers sharing Redis", {"workers": 2, "redis_uri": redis_db}))
        runs.append(("pg_2_instances", "two instances, one worker each", {"instances": 2, "redis_uri": redis_db}))
    out: dict = {}
    for name, label, options in runs:
        print(f"PostgreSQL, {label}...", flush=True)
        url = pg.new_database(SECRETS["AUDIT_KEY"])
        try:
            out[name] = http_phase(work / name, seconds, database_url=url, **options)
        finally:
            pg.drop_database(url)
    if not redis_available():
        out["pg_2_workers"] = {"skipped": "Redis is not reachable on 127.0.0.1:6379"}
    return out


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _start_profiler(server: LiveServer, workdir: Path, seconds: float):
    out = workdir / f"py-spy-{server.port}.txt"
    pid = server.worker_pids()[0]
    py_spy = Path(sys.executable).parent / "py-spy"
    args = [str(py_spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-f", "raw", "-o", str(out), "-r", "200"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out  # noqa: S603


def _finish_profiler(profiler) -> list | None:
    """The functions most often on the worker's stacks (py-spy, inclusive share of samples)."""
    if profiler is None:
        return None
    proc, out = profiler
    proc.wait(timeout=120)
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
    return {
        "cost": cost,
        "login_ms": round(login_ms, 1),
        "bcrypt_check_ms": round(bcrypt_ms, 1),
        "login_vs_bcrypt": round(login_ms / bcrypt_ms, 3),
    }


def main() -> int:
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    redis_db = os.environ.get("BENCH_REDIS_URI", "redis://127.0.0.1:6379/13")
    results: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "seconds_per_phase": seconds,
        "clients": CLIENTS,
    }
    with tempfile.TemporaryDirectory(prefix="corebank-bench-") as tmp:
        work = Path(tmp)
        print(f"HTTP load, one worker ({seconds:.0f} s per phase)...", flush=True)
        results["http_1_worker"] = http_phase(work / "w1", seconds)
        if redis_available():
            print("HTTP load, two workers sharing Redis...", flush=True)
            results["http_2_workers"] = http_phase(work / "w2", seconds, workers=2, redis_uri=redis_db)
        else:
            results["http_2_workers"] = {"skipped": "Redis is not reachable on 127.0.0.1:6379"}
        results.update(postgres_phases(work, seconds, redis_db))
        print("History at 1,000 and 1,000,000 postings (generating)...", flush=True)
        results["history_1k"] = history_phase(work, 1_000)
        results["history_1m"] = history_phase(work, 1_000_000)
        print("Login vs bcrypt at cost 12...", flush=True)
        results["login"] = login_phase(work)
    results["targets"] = targets(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nwritten: {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
