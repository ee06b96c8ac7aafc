"""The two backends' migrations stay in step (SPEC section 17: numbered SQL files per backend, with
the same numbers), and PostgreSQL's protect every table SQLite's do (sections 4 and 7: the
database refuses UPDATE and DELETE on the ledger and the audit log). No database needed."""

from __future__ import annotations

import pytest

from repository import migrations

BACKENDS = ("sqlite", "postgresql")
PROTECTED = ("audit_log", "postings", "journal")  # journal_entries' triggers are named journal_*


def _numbered(backend: str) -> dict[int, str]:
    return {number: path.name for number, path in migrations.available(backend)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_backend_has_migrations_numbered_from_one_without_a_gap(backend):
    numbers = sorted(_numbered(backend))
    assert numbers, f"no migrations for {backend}"
    assert numbers == list(range(1, len(numbers) + 1))


def test_both_backends_hold_the_same_numbers_with_the_same_names():
    assert _numbered("sqlite") == _numbered("postgresql")


def test_both_backends_agree_on_the_latest_version():
    assert migrations.latest_version("sqlite") == migrations.latest_version("postgresql")
    assert migrations.latest_version("sqlite") == max(_numbered("sqlite"))


def _protection(backend: str) -> set[str]:
    return {name for name in migrations.expected_triggers(backend) if name.startswith(PROTECTED)}


def test_every_update_and_delete_trigger_of_sqlite_exists_on_postgresql():
    sqlite_triggers = _protection("sqlite")
    postgres_triggers = _protection("postgresql")
    guarding = {name for name in sqlite_triggers if name.endswith(("_no_update", "_no_delete"))}
    assert guarding == {f"{table}_no_{verb}" for table in PROTECTED for verb in ("update", "delete")}
    assert guarding <= postgres_triggers, f"missing on PostgreSQL: {sorted(guarding - postgres_triggers)}"


def test_the_backends_differ_only_by_truncate_on_postgresql_and_replace_on_sqlite():
    sqlite_triggers = _protection("sqlite")
    postgres_triggers = _protection("postgresql")
    assert postgres_triggers - sqlite_triggers == {f"{table}_no_truncate" for table in PROTECTED}
    assert sqlite_triggers - postgres_triggers == {f"{table}_no_replace" for table in PROTECTED}


def test_every_other_trigger_exists_on_both_backends():
    # Beyond the backend-specific guards (TRUNCATE exists only on PostgreSQL, INSERT OR REPLACE only
    # on SQLite), a trigger on one backend and not the other is a migration left out of step.
    sqlite_triggers = {n for n in migrations.expected_triggers("sqlite") if not n.endswith("_no_replace")}
    postgres_triggers = {n for n in migrations.expected_triggers("postgresql") if not n.endswith("_no_truncate")}
    assert sqlite_triggers == postgres_triggers
