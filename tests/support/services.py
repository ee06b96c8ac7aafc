"""Services a test needs beside the database: Redis for shared rate limits."""

from __future__ import annotations

import os

import pytest

from bench.live import redis_available


def require_redis() -> None:
    """Skip without Redis on 127.0.0.1:6379; fail instead when COREBANK_REQUIRE_SERVICES=1 (CI)."""
    if redis_available():
        return
    message = "Redis is not reachable on 127.0.0.1:6379"
    if os.environ.get("COREBANK_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and COREBANK_REQUIRE_SERVICES=1")
    pytest.skip(message)
