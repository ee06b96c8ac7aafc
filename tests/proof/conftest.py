"""Fixtures of the proofs on real servers."""

from __future__ import annotations

import pytest

from bench.live import SECRETS
from tests.support import databases
from tests.support.services import require_postgres, require_redis


@pytest.fixture(scope="module")
def postgres():
    """A factory of fresh migrated PostgreSQL databases for real servers (their audit key), all dropped
    at the end of the module. Skipped without PostgreSQL or Redis, which the servers share."""
    require_postgres()
    require_redis()
    made: list[str] = []

    def new() -> str:
        made.append(databases.new_postgres_database(SECRETS["AUDIT_KEY"]))
        return made[-1]

    yield new
    for url in made:
        databases.drop_postgres_database(url)
    if not databases.on_postgresql():  # on PostgreSQL runs the suite's own teardown drops the template
        databases.drop_templates()
