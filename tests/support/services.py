"""Services a test needs beside its own database: a PostgreSQL server for real servers to share,
Redis for shared rate limits."""

from __future__ import annotations

import os

import pytest

from bench.live import redis_available
from tests.support import databases


def require_postgres() -> None:
    """Skip without PostgreSQL at COREBANK_TEST_POSTGRES_URL; fail instead when COREBANK_REQUIRE_POSTGRES=1 (CI)."""
    import psycopg

    try:
        psycopg.connect(databases.SERVER_URL, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {databases.SERVER_URL}: {exc}"
        if os.environ.get("COREBANK_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " and COREBANK_REQUIRE_POSTGRES=1")
        pytest.skip(message)


def require_redis() -> None:
    """Skip without Redis on 127.0.0.1:6379; fail instead when COREBANK_REQUIRE_SERVICES=1 (CI)."""
    if redis_available():
        return
    message = "Redis is not reachable on 127.0.0.1:6379"
    if os.environ.get("COREBANK_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and COREBANK_REQUIRE_SERVICES=1")
    pytest.skip(message)
