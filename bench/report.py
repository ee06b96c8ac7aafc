"""The SPEC section 12 figures from one run's results, their verdicts, and the printed tables.

Pure functions of the results dict that bench/run.py assembles (no I/O but ``print``), so the unit
tests can feed them made-up results:

    results["durable_floor"]       {"rate": transfers/s, ...}            bench/durable.py
    results["server_floor"]        {"ping": wrk dict, "cpu_per_request_us", "peak_rss_mb"}
    results["sqlite_1"], ["sqlite_2"], ["pg_1"], ["pg_2"], ["pg_2_instances"]
                                   {"healthz": wrk dict, "transfers": wrk dict, "openloop": {...},
                                    "cpu_per_transfer_us", "peak_rss_mb", "writer": {...} | None,
                                    "verify_passed", ...}  or {"skipped": why}
    results["history_1k"], ["history_1m"]   {"first_page_ms", "verify_s", "verify_passed", ...}
    results["login"]               {"login_ms", "bcrypt_check_ms", "cost"}
    results["sqlite_1_no_events"]  as sqlite_1 (transfers only), the server started with EVENTS_OUTBOX=false
(a wrk dict is bench.wrk.WrkResult.as_dict(): rate, requests, status_errors, socket_errors, p50_ms …)"""

from __future__ import annotations

NAMES = (
    "transfers_sqlite",
    "latency_sqlite",
    "two_workers_sqlite",
    "transfers_postgresql",
    "two_workers_postgresql",
    "history_scale",
    "verify",
    "login",
    "memory",
    "events_cost",
)

FLOOR_SHARE = 0.50  # transfers at least half the durable floor and half of /healthz
LATENCY_P50_MS, LATENCY_P99_MS = 5.0, 15.0
TWO_WORKERS_SQLITE, TWO_WORKERS_POSTGRESQL = 1.3, 1.4
HISTORY_RATIO = 1.5
VERIFY_S = 10.0
LOGIN_RATIO = 1.10
MEMORY_MB = 150.0


def _ratio(value, baseline) -> float | None:
    if value is None or not baseline:
        return None
    return round(value / baseline, 3)


def check(against: str, value, baseline, *, at_least=None, at_most=None) -> dict:
    """``value / baseline`` against a bound; ``met`` is None when either is missing."""
    ratio = _ratio(value, baseline)
    if at_least is not None:
        met, target = (None if ratio is None else ratio >= at_least), f">= {at_least}"
    else:
        met, target = (None if ratio is None else ratio <= at_most), f"<= {at_most}"
    return {"against": against, "baseline": baseline, "ratio": ratio, "target": target, "met": met}


def bound(against: str, value, below: float) -> dict:
    """``value`` itself under an absolute bound; ``met`` is None when it is missing."""
    met = None if value is None else value < below
    return {"against": against, "baseline": None, "ratio": None, "target": f"< {below:g}", "met": met}


def _all_met(checks: list[dict]) -> bool | None:
    """False when any condition fails, None when one could not be evaluated, else True."""
    verdicts = [c["met"] for c in checks]
    if any(v is False for v in verdicts):
        return False
    if any(v is None for v in verdicts):
        return None
    return all(verdicts)


def figure(name, value, unit, target, checks, *, baseline=None, ratio=None, note=None, **extra) -> dict:
    """A row of the table; ``baseline`` and ``ratio`` default to those of the first check."""
    first = checks[0] if checks else {}
    row = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline if baseline is not None else first.get("baseline"),
        "ratio": ratio if ratio is not None else first.get("ratio"),
        "target": target,
        "met": _all_met(checks) if value is not None else None,
        "checks": checks,
    }
    if note:
        row["note"] = note
    row.update(extra)
    return row


def _missing(name: str, unit: str, target: str, why: str) -> dict:
    return {
        "name": name,
        "value": None,
        "unit": unit,
        "baseline": None,
        "ratio": None,
        "target": target,
        "met": None,
        "checks": [],
        "note": why,
    }


def _phase(results: dict, key: str) -> tuple[dict | None, str]:
    """The phase's results when it ran (with transfers), else None and why not."""
    phase = results.get(key)
    if not phase:
        return None, f"{key}: not run"
    if "skipped" in phase:
        return None, f"{key}: skipped ({phase['skipped']})"
    if "transfers" not in phase:
        return None, f"{key}: no transfer figure"
    return phase, ""


def _errors(phase: dict, what: str = "transfers") -> int:
    load = phase.get(what) or {}
    return int(load.get("status_errors", 0)) + int(load.get("socket_errors", 0)) + int(load.get("errors", 0))


def _clean(phase: dict, label: str) -> dict:
    """Every transfer answered 201 and `flask verify` passed after the load."""
    ok = _errors(phase) == 0 and phase.get("verify_passed", True)
    return {"against": label, "baseline": None, "ratio": None, "target": "no errors, verify passes", "met": ok}


def transfers_sqlite(results: dict) -> dict:
    target = f">= {FLOOR_SHARE:.2f} x durable floor and >= {FLOOR_SHARE:.2f} x /healthz (same run)"
    phase, why = _phase(results, "sqlite_1")
    floor = (results.get("durable_floor") or {}).get("rate")
    if phase is None:
        return _missing("transfers_sqlite", "transfers/s", target, why)
    rate = phase["transfers"]["rate"]
    healthz = (phase.get("healthz") or {}).get("rate")
    checks = [
        check("durable floor", rate, floor, at_least=FLOOR_SHARE),
        check("/healthz", rate, healthz, at_least=FLOOR_SHARE),
        _clean(phase, "every transfer 201"),
    ]
    return figure("transfers_sqlite", rate, "transfers/s", target, checks, healthz=healthz)


def latency_sqlite(results: dict) -> dict:
    target = f"p50 < {LATENCY_P50_MS:g} ms and p99 < {LATENCY_P99_MS:g} ms, open loop at half the transfer rate"
    phase, why = _phase(results, "sqlite_1")
    loop = (phase or {}).get("openloop")
    if phase is None or not loop:
        return _missing("latency_sqlite", "ms", target, why or "open-loop phase not run")
    checks = [
        bound("p99", loop["p99_ms"], LATENCY_P99_MS),
        bound("p50", loop["p50_ms"], LATENCY_P50_MS),
        {
            "against": "every request answered 201",
            "baseline": None,
            "ratio": None,
            "target": "0 errors",
            "met": loop["errors"] == 0,
        },
    ]
    return figure(
        "latency_sqlite",
        loop["p99_ms"],
        "ms",
        target,
        checks,
        baseline=loop["target_rate"],
        note=f"p99 (p50 {loop['p50_ms']} ms) at {loop['target_rate']:.0f}/s; baseline: the fixed rate;"
        f" p99 from the actual send {loop.get('p99_from_send_ms')} ms, generator send lag p99"
        f" {loop.get('send_lag_p99_ms')} ms",
        p50_ms=loop["p50_ms"],
        rate=loop["target_rate"],
    )


def _workers_ratio(results: dict, name: str, one: str, two: str, at_least: float) -> dict:
    target = f">= {at_least} x one worker"
    first, why_first = _phase(results, one)
    second, why_second = _phase(results, two)
    if first is None or second is None:
        return _missing(name, "transfers/s", target, why_second or why_first)
    checks = [
        check("one worker", second["transfers"]["rate"], first["transfers"]["rate"], at_least=at_least),
        _clean(second, "every transfer 201"),
    ]
    return figure(name, second["transfers"]["rate"], "transfers/s", target, checks)


def two_workers_sqlite(results: dict) -> dict:
    return _workers_ratio(results, "two_workers_sqlite", "sqlite_1", "sqlite_2", TWO_WORKERS_SQLITE)


def two_workers_postgresql(results: dict) -> dict:
    return _workers_ratio(results, "two_workers_postgresql", "pg_1", "pg_2", TWO_WORKERS_POSTGRESQL)


def transfers_postgresql(results: dict) -> dict:
    target = "reported side by side with SQLite (one worker, two workers, two instances)"
    phase, why = _phase(results, "pg_1")
    if phase is None:
        return _missing("transfers_postgresql", "transfers/s", target, why)
    lite, _ = _phase(results, "sqlite_1")
    side = {}
    for key in ("sqlite_1", "sqlite_2", "pg_1", "pg_2", "pg_2_instances"):
        other, _ = _phase(results, key)
        side[key] = other["transfers"]["rate"] if other else None
    checks = [_clean(phase, "PostgreSQL, one worker: every transfer 201")]
    for key in ("pg_2", "pg_2_instances"):
        other, _ = _phase(results, key)
        if other is not None:
            checks.append(_clean(other, f"{key}: every transfer 201"))
    rate = phase["transfers"]["rate"]
    baseline = lite["transfers"]["rate"] if lite else None
    return figure(
        "transfers_postgresql",
        rate,
        "transfers/s",
        target,
        checks,
        baseline=baseline,
        ratio=_ratio(rate, baseline),
        note="baseline: SQLite, one worker",
        side_by_side=side,
    )


def history_scale(results: dict) -> dict:
    target = f"1M postings / 1k postings <= {HISTORY_RATIO}"
    small, big = results.get("history_1k"), results.get("history_1m")
    if not small or not big:
        return _missing("history_scale", "ms", target, "history phase not run")
    checks = [check("1,000 postings", big["first_page_ms"], small["first_page_ms"], at_most=HISTORY_RATIO)]
    return figure("history_scale", big["first_page_ms"], "ms", target, checks, middle_page_ms=big.get("middle_page_ms"))


def verify(results: dict) -> dict:
    target = f"< {VERIFY_S:g} s on 1,000,000 postings, and it passes"
    small, big = results.get("history_1k"), results.get("history_1m")
    if not big:
        return _missing("verify", "s", target, "history phase not run")
    checks = [
        bound("verify time", big["verify_s"], VERIFY_S),
        {"against": "verify passes", "baseline": None, "ratio": None, "target": "exit 0", "met": big["verify_passed"]},
    ]
    baseline = small["verify_s"] if small else None
    return figure(
        "verify",
        big["verify_s"],
        "s",
        target,
        checks,
        baseline=baseline,
        ratio=_ratio(big["verify_s"], baseline),
        note="baseline: verify on 1,000 postings",
        postings=big.get("postings"),
    )


def login(results: dict) -> dict:
    target = f"<= {LOGIN_RATIO} x one bcrypt check at the configured cost"
    data = results.get("login")
    if not data:
        return _missing("login", "ms", target, "login phase not run")
    checks = [check("one bcrypt check", data["login_ms"], data["bcrypt_check_ms"], at_most=LOGIN_RATIO)]
    return figure("login", data["login_ms"], "ms", target, checks, cost=data.get("cost"))


def memory(results: dict) -> dict:
    target = f"< {MEMORY_MB:g} MB peak RSS of one worker under the transfer load"
    phase, why = _phase(results, "sqlite_1")
    if phase is None or phase.get("peak_rss_mb") is None:
        return _missing("memory", "MB", target, why or "no RSS figure")
    floor_rss = (results.get("server_floor") or {}).get("peak_rss_mb")
    checks = [bound("peak RSS", phase["peak_rss_mb"], MEMORY_MB)]
    return figure(
        "memory",
        phase["peak_rss_mb"],
        "MB",
        target,
        checks,
        baseline=floor_rss,
        ratio=_ratio(phase["peak_rss_mb"], floor_rss),
        note="baseline: a worker of the server's floor (trivial Flask app)",
    )


def events_cost(results: dict) -> dict:
    """Issue 13: what writing events costs on the transfer path: transfers/s with the outbox off over
    transfers/s with it on (SQLite, one worker, the same run). Reported; no SPEC target."""
    target = "reported: transfers without events / with (same run)"
    with_events, why = _phase(results, "sqlite_1")
    without, why_without = _phase(results, "sqlite_1_no_events")
    if with_events is None or without is None:
        return _missing("events_cost", "transfers/s", target, why_without or why)
    rate, baseline = without["transfers"]["rate"], with_events["transfers"]["rate"]
    written = without.get("events_written")
    off = {"against": "no event written with EVENTS_OUTBOX=false", "baseline": None, "ratio": None}
    off.update(target=f"0 events (written: {written})", met=None if written is None else written == 0)
    return figure(
        "events_cost",
        rate,
        "transfers/s",
        target,
        [_clean(without, "without events: every transfer 201"), off],
        baseline=baseline,
        ratio=_ratio(rate, baseline),
        note="value: EVENTS_OUTBOX=false; baseline: with events (sqlite_1); ratio: without / with",
        cpu_per_transfer_us={
            "with": with_events.get("cpu_per_transfer_us"),
            "without": without.get("cpu_per_transfer_us"),
        },
    )


BUILDERS = {
    "transfers_sqlite": transfers_sqlite,
    "latency_sqlite": latency_sqlite,
    "two_workers_sqlite": two_workers_sqlite,
    "transfers_postgresql": transfers_postgresql,
    "two_workers_postgresql": two_workers_postgresql,
    "history_scale": history_scale,
    "verify": verify,
    "login": login,
    "memory": memory,
    "events_cost": events_cost,
}


def figures(results: dict) -> list[dict]:
    """One object per SPEC 12 row, in the SPEC's order."""
    return [BUILDERS[name](results) for name in NAMES]


# ---- printing ----


def _number(value, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}" if abs(value) >= 1 else f"{value:.{max(digits, 3)}f}"


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else "yes" if met else "NO"


def table(rows: list[tuple], headers: tuple) -> str:
    cells = [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in [headers, *cells]) for i in range(len(headers))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in cells]
    return "\n".join(line.rstrip() for line in out)


def figures_table(rows: list[dict]) -> str:
    headers = ("figure", "value", "baseline (same run)", "ratio", "target", "met")
    return table(
        [
            (
                r["name"],
                f"{_number(r['value'])} {r['unit']}" if r["value"] is not None else f"n/a ({r.get('note', '')})",
                _number(r["baseline"]),
                _number(r["ratio"], 3),
                r["target"],
                verdict(r["met"]),
            )
            for r in rows
        ],
        headers,
    )


def checks_lines(rows: list[dict]) -> list[str]:
    """Each row's conditions, for rows with more than one or with a note."""
    lines = []
    for r in rows:
        parts = []
        for c in r.get("checks", []):
            if c["ratio"] is not None:
                parts.append(f"{c['against']}: {_number(c['baseline'])} -> ratio {c['ratio']:.3f} {c['target']}")
            else:
                parts.append(f"{c['against']}: {c['target']}")
            parts[-1] += f" [{verdict(c['met'])}]"
        if r.get("note"):
            parts.append(r["note"])
        if parts:
            lines.append(f"{r['name']}: " + "; ".join(parts))
    return lines


CONFIGS = (
    ("sqlite_1", "SQLite, 1 worker"),
    ("sqlite_1_no_events", "SQLite, 1 worker, EVENTS_OUTBOX=false"),
    ("sqlite_2", "SQLite, 2 workers + Redis"),
    ("pg_1", "PostgreSQL, 1 worker"),
    ("pg_2", "PostgreSQL, 2 workers + Redis"),
    ("pg_2_instances", "PostgreSQL, 2 instances + nginx"),
)


def explanatory_table(results: dict) -> str:
    """Throughput, closed-loop latency, server CPU per request, peak RSS and the writer's batches per
    configuration, and the baselines."""
    headers = (
        "load",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "server CPU/req",
        "peak RSS",
        "batch mean/max",
        "lock/commit",
    )
    rows = []
    floor = results.get("durable_floor")
    if floor:
        rows.append(
            ("durable floor: sqlite3 loop, 1 COMMIT/transfer", _number(floor["rate"]), "", "", "", "", "", "1/1", "")
        )
    batched = results.get("durable_floor_batched")
    if batched:
        n = batched["per_commit"]
        rows.append(
            (f"  the same, {n} transfers per COMMIT", _number(batched["rate"]), "", "", "", "", "", f"{n}/{n}", "")
        )
    server_floor = results.get("server_floor")
    if server_floor and server_floor.get("ping"):
        ping = server_floor["ping"]
        rows.append(
            _load_row(
                "server floor: trivial Flask app",
                ping,
                server_floor.get("cpu_per_request_us"),
                server_floor.get("peak_rss_mb"),
                None,
            )
        )
    for key, label in CONFIGS:
        phase = results.get(key)
        if not phase:
            continue
        if "skipped" in phase:
            rows.append((f"{label}: skipped ({phase['skipped']})", "", "", "", "", "", "", "", ""))
            continue
        if phase.get("healthz"):
            rows.append(_load_row(f"{label}: /healthz", phase["healthz"], phase.get("cpu_per_healthz_us"), None, None))
        if phase.get("transfers"):
            rows.append(
                _load_row(
                    f"{label}: transfers",
                    phase["transfers"],
                    phase.get("cpu_per_transfer_us"),
                    phase.get("peak_rss_mb"),
                    phase.get("writer"),
                    writes=True,
                )
            )
        if phase.get("deposits"):
            rows.append(
                _load_row(
                    f"{label}: deposits (hot row)", phase["deposits"], phase.get("cpu_per_deposit_us"), None, None
                )
            )
        loop = phase.get("openloop")
        if loop:
            rows.append(
                (
                    f"{label}: open loop at {loop['target_rate']:.0f}/s",
                    _number(loop["achieved_rate"]),
                    _number(loop["p50_ms"], 2),
                    _number(loop["p99_ms"], 2),
                    str(loop["errors"]),
                    "",
                    "",
                    "",
                    "",
                )
            )
    return table(rows, headers)


def _load_row(label, load, cpu_us, rss_mb, writer, *, writes: bool = False) -> tuple:
    """``writes``: a load that goes through the writer, so "n/a" when its statistics are absent."""
    if writer:
        batch = f"{_number(writer['mean_batch'], 2)}/{_number(writer['max_batch'])}"
        lock = f"{_number(writer['lock_held_per_commit_ms'], 2)} ms"
    else:
        batch = lock = "n/a" if writes else ""
    errors = int(load.get("status_errors", 0)) + int(load.get("socket_errors", 0))
    return (
        label,
        _number(load["rate"]),
        _number(load.get("p50_ms"), 2),
        _number(load.get("p99_ms"), 2),
        str(errors),
        f"{_number(cpu_us)} us" if cpu_us is not None else "n/a",
        f"{_number(rss_mb)} MB" if rss_mb is not None else "",
        batch,
        lock,
    )
