"""bench/compare.py, its pure parts: the git worktree commands, the interleaving, medians, the ratio and
its verdict, the environment an older tree is given, the table and the results file. Nothing timed."""

import json
from pathlib import Path

from bench import compare


def _run(rate, cpu=1000.0, errors=0, batch=None):
    return {"rate": rate, "cpu_us": cpu, "errors": errors, "writer": {"mean_batch": batch} if batch else None}


def _commits():
    return {"ref": "9211d9e" + "0" * 33, "current": "8b52f93" + "1" * 33}


def test_worktree_commands_detach_the_commit_into_the_given_path():
    repo, path = Path("/work/repo"), Path("/tmp/corebank-bench-ref-x/tree")
    assert compare.worktree_add_command(repo, "abc123", path) == [
        "git",
        "-C",
        "/work/repo",
        "worktree",
        "add",
        "--detach",
        "/tmp/corebank-bench-ref-x/tree",
        "abc123",
    ]
    assert compare.worktree_remove_command(repo, path) == [
        "git",
        "-C",
        "/work/repo",
        "worktree",
        "remove",
        "--force",
        "/tmp/corebank-bench-ref-x/tree",
    ]


def test_runs_alternate_ref_first():
    assert compare.interleaved(3) == ["ref", "current", "ref", "current", "ref", "current"]
    assert compare.interleaved(1) == ["ref", "current"]


def test_median_ratio_and_spread():
    assert compare.median([300.0, 100.0, 200.0]) == 200.0
    assert compare.median([]) is None
    assert compare.ratio(180.0, 200.0) == 0.9
    assert compare.ratio(1.0, 3.0) == 0.333
    assert compare.ratio(None, 200.0) is None
    assert compare.ratio(180.0, 0.0) is None
    assert compare.spread([90.0, 100.0, 120.0]) == 0.3
    assert compare.spread([]) is None


def test_side_summary_takes_medians_of_rates_cpu_and_batches():
    summary = compare.side_summary([_run(100.0, 3000.0, batch=2.0), _run(140.0, 2000.0, batch=4.0), _run(120.0)])
    assert summary["rates"] == [100.0, 140.0, 120.0]
    assert summary["median_rate"] == 120.0
    assert summary["spread"] == round(40 / 120, 3)
    assert summary["cpu_us"] == [3000.0, 2000.0, 1000.0]
    assert summary["median_cpu_us"] == 2000.0
    assert summary["median_mean_batch"] == 3.0
    assert summary["errors"] == 0


def test_ratio_at_the_target_is_met_and_just_below_is_not():
    ref = [_run(200.0), _run(100.0), _run(300.0)]  # median 200
    met = compare.comparison("9211d9e", _commits(), {"ref": ref, "current": [_run(180.0)] * 3})
    assert (met["ratio"], met["target"], met["met"]) == (0.9, 0.9, True)
    missed = compare.comparison("9211d9e", _commits(), {"ref": ref, "current": [_run(179.0)] * 3})
    assert (missed["ratio"], missed["met"]) == (0.895, False)
    assert missed["sides"]["ref"]["commit"] == _commits()["ref"]
    assert missed["sides"]["current"]["median_rate"] == 179.0


def test_errors_on_either_side_mean_not_met():
    runs = {"ref": [_run(100.0, errors=3)] * 3, "current": [_run(150.0)] * 3}
    result = compare.comparison("9211d9e", _commits(), runs)
    assert result["ratio"] == 1.5
    assert result["met"] is False
    assert result["sides"]["ref"]["errors"] == 9


def test_no_measurement_is_no_verdict():
    result = compare.comparison("9211d9e", _commits(), {"ref": [], "current": [_run(150.0)]})
    assert result["ratio"] is None
    assert result["met"] is None


def test_cpu_ratio_and_extra_fields():
    runs = {"ref": [_run(100.0, 2000.0)], "current": [_run(100.0, 2500.0)]}
    result = compare.comparison("v1", _commits(), runs, runs_per_side=1, environment={"X": "1"})
    assert result["cpu_ratio"] == 1.25
    assert result["runs_per_side"] == 1
    assert result["environment"] == {"X": "1"}


def test_the_older_tree_gets_only_the_settings_it_names():
    env = {"PATH": "/usr/bin", "PORT": "9000", "SQLITE_GROUP_COMMIT": "false", "DAILY_LIMIT_CENTS": "5"}
    current = {"PORT", "SQLITE_GROUP_COMMIT", "DAILY_LIMIT_CENTS", "PATH"}
    older = {"PORT"}
    kept, dropped = compare.env_for_tree(env, current, older, keep={"PATH"})
    assert kept == {"PATH": "/usr/bin", "PORT": "9000"}
    assert dropped == ["DAILY_LIMIT_CENTS", "SQLITE_GROUP_COMMIT"]
    assert compare.env_for_tree(env, current, current) == (env, [])


def test_names_in_source_are_the_quoted_upper_case_names():
    text = 'a = _int("PORT", 8000)\nb = os.environ.get(\'SQLITE_GROUP_COMMIT\')\nc = "Port" + "ID"'
    assert compare.names_in(text) == {"PORT", "SQLITE_GROUP_COMMIT"}


def test_key_names_the_ref_and_noted_settings():
    assert compare.key("9211d9e", {}) == "9211d9e"
    assert compare.key("9211d9e", {"SQLITE_GROUP_COMMIT": "false"}) == "9211d9e SQLITE_GROUP_COMMIT=false"


def test_table_rows_and_notes():
    runs = {
        "ref": [_run(200.0, 3000.0), _run(220.0, 2900.0), _run(180.0, 3100.0)],
        "current": [_run(190.0, 3200.0, batch=3.0), _run(210.0, 3300.0, batch=3.0), _run(170.0, 3400.0, batch=3.0)],
    }
    result = compare.comparison("9211d9e", _commits(), runs)
    result["sides"]["current"]["dirty"] = True
    lines = compare.table(result).splitlines()
    assert lines[0].split() == [
        "ref",
        "commit",
        "transfers/s",
        "median",
        "each",
        "run",
        "CPU",
        "us/transfer",
        "median",
        "(runs)",
        "ratio",
        "target",
        "met",
    ]
    assert lines[2].split() == ["9211d9e", "9211d9e00", "200", "200", "/", "220", "/", "180"] + [
        "3,000",
        "(3,000",
        "/",
        "2,900",
        "/",
        "3,100)",
        "1.000",
    ]
    assert lines[3].split()[:5] == ["current", "(uncommitted", "changes)", "8b52f9311", "190"]
    assert lines[3].split()[-4:] == ["0.950", ">=", "0.90", "yes"]
    assert "spread (max - min) / median: ref 20.0 %, current 21.1 %" in lines
    assert "CPU per transfer current/ref: 1.100" in lines
    assert "current: the writer's statistics, 3.00 transfers per COMMIT (median)" in lines


def test_table_says_no_and_counts_errors():
    runs = {"ref": [_run(200.0)], "current": [_run(100.0, errors=2)]}
    text = compare.table(compare.comparison("9211d9e", _commits(), runs))
    assert text.splitlines()[3].split()[-1] == "NO"
    assert "answers other than 201: current 2" in text


def test_merged_keeps_other_comparisons_and_other_results():
    existing = {"figures": [1], "comparisons": {"9211d9e": {"ratio": 1.0}}}
    out = compare.merged(existing, "9211d9e SQLITE_GROUP_COMMIT=false", {"ratio": 0.8})
    assert out == {
        "figures": [1],
        "comparisons": {"9211d9e": {"ratio": 1.0}, "9211d9e SQLITE_GROUP_COMMIT=false": {"ratio": 0.8}},
    }
    assert existing["comparisons"] == {"9211d9e": {"ratio": 1.0}}  # not modified in place
    assert compare.merged(None, "v1", {"ratio": 1.2}) == {"comparisons": {"v1": {"ratio": 1.2}}}
    replaced = compare.merged(out, "9211d9e", {"ratio": 0.95})
    assert replaced["comparisons"]["9211d9e"] == {"ratio": 0.95}


def test_save_writes_both_files(tmp_path, monkeypatch):
    monkeypatch.setattr(compare, "RESULTS", tmp_path)
    (tmp_path / "latest.json").write_text(json.dumps({"figures": ["kept"]}))
    compare.save("9211d9e", {"ratio": 1.1})
    assert json.loads((tmp_path / "latest.json").read_text()) == {
        "figures": ["kept"],
        "comparisons": {"9211d9e": {"ratio": 1.1}},
    }
    assert json.loads((tmp_path / "compare.json").read_text()) == {"comparisons": {"9211d9e": {"ratio": 1.1}}}
