"""The unit of work owns one connection and one transaction."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable

from repository import db
from repository.accounts import AccountRepository
from repository.audit import AuditRepository
from repository.cards import CardRepository
from repository.ledger import LedgerRepository
from repository.sessions import SessionRepository
from repository.users import UserRepository
from repository.verification import VerificationRepository


class UnitOfWork:
    """``with uow:`` begins (BEGIN IMMEDIATE for writes, so a read-then-write can
    never lose an update); ``commit()`` is explicit; leaving without it rolls back."""

    def __init__(self, database_url: str, *, write: bool = True, audit_key: bytes | None = None):
        self.database_url = database_url
        self.write = write
        self.audit_key = audit_key
        self.conn = None

    def __enter__(self) -> UnitOfWork:
        self.conn = db.acquire(self.database_url)
        self._open = False
        try:
            self.begin(self.write)
        except BaseException:
            db.discard(self.database_url)
            raise
        self.users = UserRepository(self.conn)
        self.sessions = SessionRepository(self.conn)
        self.accounts = AccountRepository(self.conn)
        self.ledger = LedgerRepository(self.conn)
        self.audit = AuditRepository(self.conn, self.audit_key)
        self.verification = VerificationRepository(self.conn)
        self.cards = CardRepository(self.conn)
        return self

    def begin(self, write: bool = True) -> None:
        if write:
            self._writer = _writer_lock(self.database_url)
            if not self._writer.acquire(timeout=WRITER_WAIT_S):
                self._writer = None
                raise sqlite3.OperationalError("database is locked")
        try:
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except BaseException:
            self._release()
            raise
        self._open = True

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self._open = False
        self._release()

    def rollback(self) -> None:
        if self._open:
            self.conn.execute("ROLLBACK")
            self._open = False
        self._release()

    def _release(self) -> None:
        if getattr(self, "_writer", None) is not None:
            self._writer.release()
            self._writer = None

    def __exit__(self, *exc) -> None:
        try:
            self.rollback()
        except BaseException:
            db.discard(self.database_url)  # never hand a connection in doubt to the next unit of work
            raise
        finally:
            self._release()
            self.conn = None


# Writers queue before BEGIN IMMEDIATE: the threads of a process on a lock, then the processes on
# an flock of a file beside the database (<db>-writer). A waiter wakes the moment the writer before
# it finishes, where SQLite's busy handler polls with sleeps of up to 100 ms: an idle database
# between writers, and long tails (bench: p99 of transfers about halved, 1 and 2 workers).
WRITER_WAIT_S = 10.0
_writers: dict[tuple[int, str], _Writer] = {}
_writers_guard = threading.Lock()


class _Writer:
    """One per process and database. The file lock has no timeout: a process that dies releases
    it, and a hung worker is killed by gunicorn's worker timeout. The file is opened per write, so
    no descriptor stays open for the many databases a test run creates."""

    def __init__(self, database_url: str):
        self.thread_lock = threading.Lock()
        path = db.sqlite_path(database_url)
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


def _writer_lock(database_url: str) -> _Writer:
    with _writers_guard:
        key = (os.getpid(), database_url)
        if key not in _writers:
            _writers[key] = _Writer(database_url)
        return _writers[key]


UowFactory = Callable[..., UnitOfWork]


def factory(database_url: str, audit_key: str | bytes | None = None) -> UowFactory:
    """Units of work over ``database_url``; ``audit_key`` (AUDIT_KEY) keys the audit chain."""
    key = audit_key.encode() if isinstance(audit_key, str) else audit_key

    def make(write: bool = True) -> UnitOfWork:
        return UnitOfWork(database_url, write=write, audit_key=key)

    return make
