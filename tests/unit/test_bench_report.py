"""bench/report.py: the SPEC section 12 figures assembled from a run's results, and their verdicts."""

import json

from bench import report


def _load(rate, status_errors=0, socket_errors=0, p50=1.0, p99=2.0):
    return {"rate": rate, "status_errors": status_errors, "socket_errors": socket_errors, "p50_ms": p50, "p99_ms": p99}


def _phase(rate, healthz=1000.0, rss=80.0, **extra):
    return {"healthz": _load(healthz), "transfers": _load(rate), "peak_rss_mb": rss, "verify_passed": True, **extra}


def _openloop(p50, p99, errors=0, rate=300.0):
    return {"target_rate": rate, "p50_ms": p50, "p99_ms": p99, "errors": errors, "achieved_rate": rate}


def _full_results():
    return {
        "durable_floor": {"rate": 1000.0},
        "server_floor": {"ping": _load(2500.0), "cpu_per_request_us": 400.0, "peak_rss_mb": 40.0},
        "sqlite_1": _phase(600.0, healthz=1100.0, rss=90.0, openloop=_openloop(3.0, 12.0)),
        "sqlite_2": _phase(800.0),
        "pg_1": _phase(400.0),
        "pg_2": _phase(600.0),
        "pg_2_instances": _phase(500.0),
        "history_1k": {"first_page_ms": 2.0, "middle_page_ms": 2.0, "verify_s": 0.5, "verify_passed": True},
        "history_1m": {"first_page_ms": 2.5, "middle_page_ms": 2.6, "verify_s": 8.0, "verify_passed": True},
        "login": {"cost": 12, "login_ms": 230.0, "bcrypt_check_ms": 220.0},
        "sqlite_1_no_events": {"transfers": _load(660.0), "verify_passed": True, "events_written": 0},
    }


def _by_name(results):
    return {row["name"]: row for row in report.figures(results)}


def test_one_figure_per_spec_row_in_order_with_the_spec_fields():
    rows = report.figures(_full_results())
    assert [row["name"] for row in rows] == list(report.NAMES)
    for row in rows:
        assert {"name", "value", "unit", "baseline", "ratio", "target", "met"} <= set(row)
    json.dumps(rows)  # the JSON file holds them as they are


def test_every_target_met_on_good_results():
    rows = _by_name(_full_results())
    assert {name: row["met"] for name, row in rows.items()} == dict.fromkeys(report.NAMES, True)
    assert rows["transfers_sqlite"]["value"] == 600.0
    assert rows["transfers_sqlite"]["baseline"] == 1000.0
    assert rows["transfers_sqlite"]["ratio"] == 0.6
    assert rows["two_workers_sqlite"]["ratio"] == round(800 / 600, 3)
    assert rows["two_workers_postgresql"]["ratio"] == 1.5
    assert rows["transfers_postgresql"]["baseline"] == 600.0
    assert rows["transfers_postgresql"]["side_by_side"]["pg_2_instances"] == 500.0
    assert rows["history_scale"]["ratio"] == 1.25
    assert rows["login"]["ratio"] == round(230 / 220, 3)
    assert rows["memory"]["value"] == 90.0
    assert rows["latency_sqlite"]["value"] == 12.0


def test_transfers_need_half_of_both_floors():
    results = _full_results()
    results["sqlite_1"]["healthz"]["rate"] = 1300.0  # 600 / 1300 < 0.5, while 600 / 1000 >= 0.5
    row = _by_name(results)["transfers_sqlite"]
    assert row["met"] is False
    assert [c["met"] for c in row["checks"]] == [True, False, True]


def test_transfers_at_exactly_half_meet_the_target():
    results = _full_results()
    results["sqlite_1"]["transfers"]["rate"] = 500.0
    results["sqlite_1"]["healthz"]["rate"] = 1000.0
    assert _by_name(results)["transfers_sqlite"]["met"] is True


def test_errors_under_load_fail_the_throughput_figure():
    results = _full_results()
    results["sqlite_1"]["transfers"]["status_errors"] = 3
    assert _by_name(results)["transfers_sqlite"]["met"] is False


def test_latency_needs_p50_and_p99_under_their_bounds_and_no_errors():
    for p50, p99, errors, met in ((3.0, 14.9, 0, True), (3.0, 15.0, 0, False), (5.0, 10.0, 0, False), (1, 2, 1, False)):
        results = _full_results()
        results["sqlite_1"]["openloop"] = _openloop(p50, p99, errors)
        assert _by_name(results)["latency_sqlite"]["met"] is met, (p50, p99, errors)


def test_ratio_bounds_are_inclusive_where_the_spec_says_at_least_or_at_most():
    results = _full_results()
    results["sqlite_2"]["transfers"]["rate"] = 780.0  # 1.3 x 600
    results["history_1m"]["first_page_ms"] = 3.0  # 1.5 x 2.0
    results["login"]["login_ms"] = 242.0  # 1.1 x 220
    rows = _by_name(results)
    assert (rows["two_workers_sqlite"]["met"], rows["history_scale"]["met"], rows["login"]["met"]) == (True,) * 3
    results["sqlite_2"]["transfers"]["rate"] = 779.0
    results["history_1m"]["first_page_ms"] = 3.01
    results["login"]["login_ms"] = 243.0
    rows = _by_name(results)
    assert (rows["two_workers_sqlite"]["met"], rows["history_scale"]["met"], rows["login"]["met"]) == (False,) * 3


def test_verify_fails_when_it_reports_a_problem_or_takes_too_long():
    results = _full_results()
    results["history_1m"]["verify_passed"] = False
    assert _by_name(results)["verify"]["met"] is False
    results = _full_results()
    results["history_1m"]["verify_s"] = 10.0
    assert _by_name(results)["verify"]["met"] is False


def test_memory_at_the_bound_is_not_under_it():
    results = _full_results()
    results["sqlite_1"]["peak_rss_mb"] = 150.0
    assert _by_name(results)["memory"]["met"] is False


def test_phases_not_run_or_skipped_give_no_verdict():
    results = {"durable_floor": {"rate": 1000.0}, "sqlite_1": _phase(600.0), "pg_1": {"skipped": "no server"}}
    rows = _by_name(results)
    assert rows["transfers_sqlite"]["met"] is True
    assert rows["latency_sqlite"]["met"] is None and rows["latency_sqlite"]["value"] is None
    assert rows["transfers_postgresql"]["met"] is None
    assert "skipped (no server)" in rows["transfers_postgresql"]["note"]
    assert rows["two_workers_sqlite"]["met"] is None
    assert rows["history_scale"]["value"] is None


def test_a_failed_verify_after_a_load_phase_fails_its_figure():
    results = _full_results()
    results["pg_2"]["verify_passed"] = False
    assert _by_name(results)["two_workers_postgresql"]["met"] is False
    assert _by_name(results)["transfers_postgresql"]["met"] is False


def test_tables_print_every_row_and_na_for_missing_writer_statistics():
    results = _full_results()
    text = report.figures_table(report.figures(results))
    for name in report.NAMES:
        assert name in text
    explained = report.explanatory_table(results)
    transfer_line = next(line for line in explained.splitlines() if line.startswith("SQLite, 1 worker: transfers"))
    assert transfer_line.split()[-2:] == ["n/a", "n/a"]
    results["sqlite_1"]["writer"] = {"mean_batch": 4.5, "max_batch": 9, "lock_held_per_commit_ms": 1.25}
    explained = report.explanatory_table(results)
    transfer_line = next(line for line in explained.splitlines() if line.startswith("SQLite, 1 worker: transfers"))
    assert transfer_line.split()[-3:] == ["4.50/9", "1.25", "ms"]


def test_a_missing_baseline_gives_no_verdict_but_a_failed_condition_still_fails():
    results = _full_results()
    del results["durable_floor"]
    row = _by_name(results)["transfers_sqlite"]
    assert row["met"] is None and row["checks"][0]["ratio"] is None
    results["sqlite_1"]["healthz"]["rate"] = 2000.0
    assert _by_name(results)["transfers_sqlite"]["met"] is False


def test_the_cost_of_events_is_transfers_without_them_over_with_them_in_the_same_run():
    row = _by_name(_full_results())["events_cost"]
    assert (row["value"], row["baseline"], row["ratio"], row["met"]) == (660.0, 600.0, 1.1, True)
    results = _full_results()
    del results["sqlite_1_no_events"]
    assert _by_name(results)["events_cost"]["met"] is None  # not run: no verdict, the row stays
