"""The bench table and the SPEC section 12 verdicts (ratios against the same run's baselines)."""

from __future__ import annotations


def targets(results: dict) -> list[dict]:
    """One row per SPEC target: the figure, the baseline it is compared with, the ratio, met or not."""
    rows = []
    for name in ("http_1_worker", "http_2_workers"):
        http = results.get(name, {})
        if "transfer_rps" not in http:
            continue
        label = f"{http['workers']} worker(s)"
        rows.append(
            _row(
                f"transfer rate vs /healthz, {label}",
                f"{http['transfer_rps']:.0f}/s",
                f"{http['healthz_rps']:.0f}/s",
                http["transfer_vs_healthz"],
                ">= 0.40",
                http["transfer_vs_healthz"] >= 0.40,
            )
        )
        rows.append(
            _row(
                f"transfer p99, {label}",
                f"{http['transfer_p99_ms']:.1f} ms (p50 {http['transfer_p50_ms']:.1f})",
                f"/healthz p99 {http['healthz_p99_ms']:.1f} ms",
                None,
                "< 25 ms",
                http["transfer_p99_ms"] < 25,
            )
        )
        rows.append(
            _row(
                f"peak worker RSS, {label}",
                f"{http['peak_worker_rss_mb']:.0f} MB",
                "",
                None,
                "< 150 MB",
                http["peak_worker_rss_mb"] < 150,
            )
        )
    rows += postgres_rows(results)
    small, big = results.get("history_1k"), results.get("history_1m")
    if small and big:
        ratio = big["first_page_ms"] / small["first_page_ms"]
        rows.append(
            _row(
                "history page (limit=50), 1M vs 1k postings",
                f"{big['first_page_ms']:.2f} ms (middle {big['middle_page_ms']:.2f})",
                f"{small['first_page_ms']:.2f} ms (middle {small['middle_page_ms']:.2f})",
                round(ratio, 3),
                "<= 1.5",
                ratio <= 1.5,
            )
        )
        rows.append(
            _row(
                "flask verify, 1M postings",
                f"{big['verify_s']:.2f} s",
                f"{small['verify_s']:.2f} s at 1k",
                None,
                "< 10 s",
                big["verify_s"] < 10 and big["verify_passed"],
            )
        )
    login = results.get("login")
    if login:
        rows.append(
            _row(
                f"login vs one bcrypt check (cost {login['cost']})",
                f"{login['login_ms']:.0f} ms",
                f"{login['bcrypt_check_ms']:.0f} ms",
                login["login_vs_bcrypt"],
                "<= 1.10",
                login["login_vs_bcrypt"] <= 1.10,
            )
        )
    return rows


def _rate(http: dict, what: str = "transfer") -> str:
    return f"{http[what + '_rps']:.0f}/s (p99 {http[what + '_p99_ms']:.1f} ms)"


def postgres_rows(results: dict) -> list[dict]:
    """PostgreSQL next to SQLite (SPEC 12 and 17), the hot row (deposits all post against cash-vault)
    and the sealer (audit records chained, system postings folded, after commit)."""
    rows = []
    lite1, lite2 = results.get("http_1_worker", {}), results.get("http_2_workers", {})
    pg1, pg2, pgi = (results.get(name, {}) for name in ("pg_1_worker", "pg_2_workers", "pg_2_instances"))
    if "transfer_rps" not in pg1:
        return rows
    for label, pg, lite in (("1 worker", pg1, lite1), ("2 workers", pg2, lite2)):
        if "transfer_rps" not in pg:
            continue
        ratio = pg["transfer_rps"] / lite["transfer_rps"] if lite.get("transfer_rps") else None
        baseline = f"SQLite {_rate(lite)}" if lite.get("transfer_rps") else "SQLite: not run"
        rows.append(
            _row(
                f"transfers, PostgreSQL vs SQLite, {label}",
                _rate(pg),
                baseline,
                None if ratio is None else round(ratio, 3),
                "side by side",
                None,
            )
        )
        rows.append(
            _row(
                f"transfer rate vs /healthz, PostgreSQL, {label}",
                f"{pg['transfer_rps']:.0f}/s",
                f"{pg['healthz_rps']:.0f}/s",
                pg["transfer_vs_healthz"],
                ">= 0.40",
                pg["transfer_vs_healthz"] >= 0.40,
            )
        )
    if "transfer_rps" in pg2:
        ratio = pg2["transfer_rps"] / pg1["transfer_rps"]
        rows.append(
            _row(
                "two workers vs one, PostgreSQL",
                f"{pg2['transfer_rps']:.0f}/s",
                f"{pg1['transfer_rps']:.0f}/s",
                round(ratio, 3),
                ">= 1.4",
                ratio >= 1.4,
            )
        )
    if "transfer_rps" in pgi:
        ratio = pgi["transfer_rps"] / pg1["transfer_rps"]
        rows.append(
            _row(
                "two instances (1 worker each) vs one worker, PostgreSQL",
                _rate(pgi),
                f"{pg1['transfer_rps']:.0f}/s",
                round(ratio, 3),
                "side by side",
                None,
            )
        )
    for name, pg in (("1 worker", pg1), ("2 workers", pg2), ("2 instances", pgi)):
        if "deposit_rps" not in pg:
            continue
        rows.append(
            _row(
                f"hot row: deposits (all on cash-vault) vs transfers, PostgreSQL, {name}",
                _rate(pg, "deposit"),
                f"transfers {pg['transfer_rps']:.0f}/s",
                pg["deposit_vs_transfer"],
                ">= 0.80",
                pg["deposit_vs_transfer"] >= 0.80,
            )
        )
    if lite1.get("deposit_rps"):
        rows.append(
            _row(
                "deposits vs transfers, SQLite, 1 worker (reference: one writer)",
                _rate(lite1, "deposit"),
                f"transfers {lite1['transfer_rps']:.0f}/s",
                lite1["deposit_vs_transfer"],
                "reference",
                None,
            )
        )
    for name, pg in (("1 worker", pg1), ("2 workers", pg2), ("2 instances", pgi)):
        for load, sealer in pg.get("sealer", {}).items():
            rows.append(
                _row(
                    f"sealer under {load}, PostgreSQL, {name}: audit rows sealed/s vs written/s",
                    f"{sealer['audit_sealed_per_s']:.0f}/s; unsealed tail peak {sealer['unsealed_peak']}"
                    f" (oldest {sealer['unsealed_oldest_peak_s']:.2f} s), drained {sealer['drain_after_load_s']:.2f} s"
                    " after the load",
                    f"written {sealer['audit_written_per_s']:.0f}/s",
                    sealer["sealed_vs_written"],
                    "oldest < 60 s",
                    sealer["unsealed_oldest_peak_s"] < 60,
                )
            )
    return rows


def _row(figure, measured, baseline, ratio, target, met) -> dict:
    return {"figure": figure, "measured": measured, "baseline": baseline, "ratio": ratio, "target": target, "met": met}


def print_table(results: dict) -> None:
    rows = results["targets"]
    headers = ("figure", "measured", "baseline (same run)", "ratio", "target", "met")
    cells = [
        (
            r["figure"],
            r["measured"],
            r["baseline"],
            "" if r["ratio"] is None else f"{r['ratio']:.3f}",
            r["target"],
            "-" if r["met"] is None else "yes" if r["met"] else "NO",
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [headers, *cells]) for i in range(len(headers))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print()
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for cell in cells:
        print(line.format(*cell))
    for name in ("http_1_worker", "http_2_workers", "pg_1_worker", "pg_2_workers", "pg_2_instances"):
        http = results.get(name, {})
        if "skipped" in http:
            print(f"\n{name}: skipped ({http['skipped']})")
        elif http and not http["verify_passed"]:
            print(f"\n{name}: flask verify FAILED after the load")
        if http.get("transfer_errors"):
            print(f"\n{name}: {http['transfer_errors']} transfers were not answered 201")
        if http.get("deposit_errors"):
            print(f"\n{name}: {http['deposit_errors']} deposits were not answered 201")
        if http.get("profile"):
            print(f"\n{name}: py-spy, share of worker samples with the function on the stack:")
            print("\n".join("  " + line for line in http["profile"]))
