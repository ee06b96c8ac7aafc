"""The SQLite writer queue.

Writers queue before BEGIN IMMEDIATE: the threads of a process on a lock, then the processes on
an flock of a file beside the database (<db>-writer). A waiter wakes the moment the writer before
it finishes, where SQLite's busy handler polls with sleeps of up to 100 ms: an idle database
between writers, and long tails (bench: p99 of transfers about halved, 1 and 2 workers)."""

from __future__ import annotations

import fcntl
import os
import threading

from repository.sqlite.connection import sqlite_path

WRITER_WAIT_S = 10.0
_writers: dict[tuple[int, str], _Writer] = {}
_writers_guard = threading.Lock()


class _Writer:
    """One per process and database. The file lock has no timeout: a process that dies releases
    it, and a hung worker is killed by gunicorn's worker timeout. The file is opened per write, so
    no descriptor stays open for the many databases a test run creates."""

    def __init__(self, database_url: str):
        self.thread_lock = threading.Lock()
        path = sqlite_path(database_url)
        self.lock_path = None if path == ":memory:" or path.startswith("file:") else path + "-writer"
        self.fd: int | None = None  # guarded by thread_lock

    def acquire(self, timeout: float) -> bool:
        if not self.thread_lock.acquire(timeout=timeout):
            return False
        try:
            if self.lock_path is not None:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(fd)
                    raise
                self.fd = fd
        except BaseException:
            self.thread_lock.release()
            raise
        return True

    def release(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)  # closing the descriptor releases the flock
        self.thread_lock.release()


def writer_lock(database_url: str) -> _Writer:
    with _writers_guard:
        key = (os.getpid(), database_url)
        if key not in _writers:
            _writers[key] = _Writer(database_url)
        return _writers[key]
