"""The writer queue in front of BEGIN IMMEDIATE (repository/unit_of_work.py): writers of one process
and of several processes wait for each other and always get the lock back, whatever happened."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from repository import db, migrations
from repository.unit_of_work import factory


@pytest.fixture
def uow(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    conn = db.connect(url)
    try:
        migrations.upgrade(conn)
    finally:
        conn.close()
    return factory(url)


def _hold_write(url: str, seconds: float, started) -> None:
    with factory(url)() as work:
        started.set()
        time.sleep(seconds)
        work.commit()


def test_a_failed_or_refused_writer_hands_the_lock_on(uow):
    with pytest.raises(RuntimeError), uow():
        raise RuntimeError("boom")  # rolled back: the next writer must not wait
    with uow() as work:
        work.rollback()
        work.begin(write=True)  # the denial pattern: roll back, audit in a fresh transaction
        work.commit()
    started = time.perf_counter()
    with uow() as work:
        work.commit()
    assert time.perf_counter() - started < 1


def test_a_second_writer_thread_waits_for_the_first(uow):
    order, inside = [], threading.Event()

    def first():
        with uow() as work:
            inside.set()
            time.sleep(0.3)
            order.append("first")
            work.commit()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    with uow() as work:
        order.append("second")
        work.commit()
    thread.join(5)
    assert order == ["first", "second"]


def test_a_writer_in_another_process_is_waited_for(uow, tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    started = multiprocessing.Event()
    other = multiprocessing.Process(target=_hold_write, args=(url, 0.5, started))
    other.start()
    try:
        assert started.wait(10)
        begun = time.perf_counter()
        with uow() as work:
            waited = time.perf_counter() - begun
            work.commit()
    finally:
        other.join(10)
    assert other.exitcode == 0
    assert 0.2 < waited < 5  # queued behind the other process, then let in at once
