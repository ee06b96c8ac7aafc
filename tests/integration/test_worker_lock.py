"""One webhook deliverer at a time across processes and instances (SPEC 16): the worker lock."""

from __future__ import annotations

import pytest

from repository.worker_lock import WorkerLock
from services.webhook_delivery import WORKER_LOCK
from tests.support import databases


@pytest.fixture
def url(tmp_path):
    found = databases.new_postgres_database() if databases.on_postgresql() else f"sqlite:///{tmp_path / 'lock.db'}"
    yield found
    if databases.on_postgresql():
        databases.drop_postgres_database(found)


def test_one_holder_at_a_time_and_the_next_takes_over_at_once(url):
    first, second = WorkerLock(url, WORKER_LOCK, "webhooks"), WorkerLock(url, WORKER_LOCK, "webhooks")
    assert first.acquire() is True
    assert second.acquire() is False
    assert first.acquire() is True  # kept by its holder
    first.release()
    assert second.acquire() is True
    assert first.acquire() is False
    second.release()
