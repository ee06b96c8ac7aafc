"""The SQLite writer queue and group commit (SPEC sections 4 and 12).

Writers queue before BEGIN IMMEDIATE: the threads of a process for the writer slot, then the processes
on an flock of a file beside the database (<db>-writer). A waiter wakes the moment the writer before it
finishes, where SQLite's busy handler polls with sleeps of up to 100 ms.

Group commit ("baton passing"). The writes of a process go through one connection of its own, the
writer connection, used only by the thread holding the slot. A write unit of work that finds no
transaction open begins one (flock, BEGIN IMMEDIATE); one that finds the transaction its predecessor
left open runs in a SAVEPOINT of it, so its rollback (a decline audited after a ROLLBACK, an error)
undoes its own statements only. At commit a unit RELEASEs its savepoint; then, if another thread of
this process waits for the slot and the batch is under its caps (``settings``), it hands the open
transaction on and sleeps until the batch's COMMIT; otherwise it COMMITs at once and wakes the batch
with the outcome. So a unit is acknowledged only after the COMMIT that holds it (a failed COMMIT raises
in every unit of the batch), a lone writer never waits for company, and batches form only when
writers queue anyway. Each unit keeps its own idempotency and audit records: they are its statements.

``SQLITE_GROUP_COMMIT=false`` turns batching off (one COMMIT per unit, as before) for measuring.
``group_commit_stats()`` gives this process's figures; with ``SQLITE_WRITER_STATS_DIR`` set, each
process also writes them to ``<dir>/writer-<pid>.json`` a few times a second, for a benchmark or a
proof test watching a live server from outside.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from repository.errors import DatabaseBusy, DatabaseError
from repository.sqlite import connection
from repository.sqlite.errors import translate

WRITER_WAIT_S = 10.0
STATS_DIR_ENV = "SQLITE_WRITER_STATS_DIR"
_STATS_EVERY_S = 0.25


def _enabled_in_environment() -> bool:
    """SQLITE_GROUP_COMMIT, read as app/config.py reads its booleans (default on)."""
    raw = os.environ.get("SQLITE_GROUP_COMMIT", "").strip().lower()
    return not raw or raw in ("1", "true", "yes", "on")


@dataclass
class GroupCommit:
    enabled: bool
    max_units: int = 16  # units (committed or rolled back) in one transaction at most
    max_wait_s: float = 0.005  # no unit joins a batch older than this (since its BEGIN)


settings = GroupCommit(enabled=_enabled_in_environment())


@dataclass
class Hooks:
    """Injection points for tests only; both are None in production."""

    # (SqliteConnection) inside a write unit's commit, before its savepoint is released
    before_unit_commit: Callable | None = None
    # (Batch) on the thread about to COMMIT a batch, holding the slot
    before_batch_commit: Callable | None = None


hooks = Hooks()


def configure(**changes) -> GroupCommit:
    """Change ``settings`` (enabled, max_units, max_wait_s) for this process; returns the previous ones."""
    global settings
    previous, settings = settings, replace(settings, **changes)
    return previous


class Batch:
    """One write transaction and the units in it; its fields are guarded by the writer slot."""

    __slots__ = ("conn", "fd", "began", "units", "rolled_back", "poisoned", "done", "error")

    def __init__(self, conn: sqlite3.Connection, fd: int | None):
        self.conn, self.fd = conn, fd
        self.began = time.perf_counter()
        self.units = 0  # committed into this transaction (released savepoints)
        self.rolled_back = 0
        self.poisoned: BaseException | None = None  # a unit could not undo its own statements
        self.done = threading.Event()  # set once the transaction has ended
        self.error: BaseException | None = None  # why its COMMIT failed


class Unit:
    """A write unit of work's share of a batch: what SqliteBackend.begin hands the unit of work."""

    __slots__ = ("writer", "wrapper", "batch", "savepoint", "open", "holding")

    def __init__(self, writer: _Writer, wrapper):
        self.writer, self.wrapper = writer, wrapper
        self.batch: Batch | None = None
        self.savepoint = False  # False for the batch's first unit: it can ROLLBACK the whole transaction
        self.open = True  # its statements are neither released into the batch nor rolled back
        self.holding = True  # it holds the writer slot

    def commit(self) -> None:
        self.writer.commit(self)

    def rollback(self) -> None:
        self.writer.rollback(self)

    def end(self) -> None:
        self.writer.end(self)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.written_at = 0.0

    def reset(self) -> None:
        self.batches = self.units = self.rolled_back = self.failed = self.max_batch = 0
        self.hold_s = self.max_hold_s = self.commit_s = 0.0
        self.sizes: Counter[int] = Counter()

    def record(self, batch: Batch, commit_s: float, ended: float) -> None:
        hold = ended - batch.began
        with self.lock:
            self.rolled_back += batch.rolled_back
            if batch.units == 0:
                return
            self.batches += 1
            self.units += batch.units
            self.failed += batch.error is not None
            self.max_batch = max(self.max_batch, batch.units)
            self.sizes[batch.units] += 1
            self.hold_s += hold
            self.max_hold_s = max(self.max_hold_s, hold)
            self.commit_s += commit_s

    def add_to(self, total: dict) -> None:
        with self.lock:
            for name in ("batches", "units", "rolled_back", "failed", "hold_s", "commit_s"):
                total[name] += getattr(self, name)
            total["max_batch"] = max(total["max_batch"], self.max_batch)
            total["max_hold_s"] = max(total["max_hold_s"], self.max_hold_s)
            for size, count in self.sizes.items():
                total["sizes"][size] = total["sizes"].get(size, 0) + count


class _Writer:
    """One per process and database. The file lock has no timeout: a process that dies releases it, and a
    hung worker is killed by gunicorn's worker timeout. The file is opened per batch, so no descriptor
    stays open for the many databases a test run creates."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        path = connection.sqlite_path(database_url)
        self.lock_path = None if path == ":memory:" or path.startswith("file:") else path + "-writer"
        # A private :memory: database lives in one connection: there the thread's own does the writes.
        self.shared = path != ":memory:"
        self.cond = threading.Condition(threading.Lock())
        self.held = False  # the slot (guarded by cond)
        self.waiting = 0  # threads queued for it (guarded by cond)
        self.conn: sqlite3.Connection | None = None  # the writer connection: the slot holder's only
        self.batch: Batch | None = None  # the open transaction (guarded by the slot)
        self.stats = Stats()

    # -- the slot ---------------------------------------------------------------------------------------

    def _take(self, timeout: float) -> bool:
        with self.cond:
            if self.held:
                deadline = time.monotonic() + timeout
                self.waiting += 1
                try:
                    while self.held:  # checked before the deadline: a slot just handed on is taken
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            return False
                        self.cond.wait(remaining)
                finally:
                    self.waiting -= 1
            self.held = True
            return True

    def _give(self) -> None:
        with self.cond:
            self.held = False
            if self.waiting:
                self.cond.notify()

    def _hand_on(self, batch: Batch) -> bool:
        """Give the slot to a queued thread with ``batch`` still open, if there is one and room."""
        cap = settings
        if not (cap.enabled and self.shared and batch.units and batch.poisoned is None):
            return False
        if batch.units + batch.rolled_back >= cap.max_units or time.perf_counter() - batch.began >= cap.max_wait_s:
            return False
        if not batch.conn.in_transaction:
            return False
        with self.cond:
            if not self.waiting:
                return False
            self.held = False
            self.cond.notify()  # whoever takes the slot next (this waiter or a newcomer) joins the batch
            return True

    # -- a unit's life ----------------------------------------------------------------------------------

    def begin(self, wrapper) -> Unit:
        if not self._take(WRITER_WAIT_S):
            raise DatabaseBusy("database is locked")
        unit = Unit(self, wrapper)
        try:
            if self.batch is None:
                self.batch = self._open_batch(wrapper)
            else:
                _execute(self.batch.conn, "SAVEPOINT unit")
                unit.savepoint = True
        except BaseException:
            unit.open = False
            self._leave(unit, committed=False)
            raise
        unit.batch = self.batch
        wrapper.raw, wrapper.unit = self.batch.conn, unit
        return unit

    def commit(self, unit: Unit) -> None:
        """Release the unit's statements into its batch, then return once the batch has committed."""
        conn = unit.batch.conn
        if not conn.in_transaction:  # SQLite ended the transaction itself (an I/O error, a full disk)
            raise DatabaseError("the write transaction ended under this unit of work")
        if unit.savepoint:
            _execute(conn, "RELEASE unit")  # on failure the unit stays open: its rollback follows
        unit.open = False
        unit.batch.units += 1
        self._leave(unit, committed=True)

    def rollback(self, unit: Unit) -> None:
        """Undo the unit's own statements (its savepoint, or the whole transaction if it began it)."""
        if not unit.open:
            return
        unit.open = False
        batch = unit.batch
        batch.rolled_back += 1
        if unit.savepoint:
            try:
                _execute(batch.conn, "ROLLBACK TO unit")
                _execute(batch.conn, "RELEASE unit")
            except BaseException as exc:
                batch.poisoned = exc  # its statements cannot be told apart: the batch ends in ROLLBACK
                raise
            return
        self.batch = None  # nobody joined yet: the whole transaction is this unit's
        try:
            if batch.conn.in_transaction:
                _execute(batch.conn, "ROLLBACK")
        except BaseException:
            self._discard(batch.conn)
            raise
        finally:
            self._unflock(batch.fd)
            self.stats.record(batch, 0.0, time.perf_counter())
            batch.done.set()

    def end(self, unit: Unit) -> None:
        if not unit.holding:
            return
        try:
            self.rollback(unit)
        finally:
            self._leave(unit, committed=False)

    def _leave(self, unit: Unit, *, committed: bool) -> None:
        """``unit`` gives up the slot: it hands the open batch on, or ends it. A committed unit returns
        only once its batch's transaction has ended, and raises if its COMMIT failed. So does a unit that
        joined a batch and rolled back: what it read may be its predecessors' uncommitted work (a replayed
        idempotent answer), which nobody may be told before it is durable."""
        unit.holding = False
        unit.wrapper.raw, unit.wrapper.unit = unit.wrapper.own, None  # the writer connection is not its any more
        wait = committed or unit.savepoint
        batch = self.batch
        if batch is None:
            self._give()
            return
        if self._hand_on(batch):
            if wait:
                batch.done.wait()
                _raise_failure(batch)
            return
        self.batch = None
        try:
            self._end_batch(batch)
        finally:
            self._give()
            batch.done.set()
            self._write_stats()
        if wait:
            _raise_failure(batch)

    # -- the transaction --------------------------------------------------------------------------------

    def _open_batch(self, wrapper) -> Batch:
        fd = self._flock()
        try:
            conn = self._connection(wrapper)
            try:
                _execute(conn, "BEGIN IMMEDIATE")
            except BaseException:
                self._discard(conn)  # never hand a connection in doubt to the next batch
                raise
        except BaseException:
            self._unflock(fd)
            raise
        return Batch(conn, fd)

    def _end_batch(self, batch: Batch) -> None:
        conn, commit_s = batch.conn, 0.0
        try:
            if batch.poisoned is not None:
                raise DatabaseError("a unit of work in this batch could not be rolled back") from batch.poisoned
            if batch.units == 0:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            elif not conn.in_transaction:
                raise DatabaseError("the write transaction was rolled back by SQLite before its COMMIT")
            else:
                if hooks.before_batch_commit is not None:
                    hooks.before_batch_commit(batch)
                started = time.perf_counter()
                conn.execute("COMMIT")
                commit_s = time.perf_counter() - started
        except BaseException as exc:
            batch.error = exc
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except BaseException:
                self._discard(conn)
        finally:
            self._unflock(batch.fd)
            self.stats.record(batch, commit_s, time.perf_counter())

    def _connection(self, wrapper) -> sqlite3.Connection:
        if not self.shared:
            return wrapper.own
        if self.conn is None:
            self.conn = connection.connect(self.database_url)
        return self.conn

    def _discard(self, conn: sqlite3.Connection) -> None:
        if self.shared and conn is self.conn:
            self.conn = None
            conn.close()
        # a thread's own connection is discarded by the unit of work (SqliteBackend.release)

    def _flock(self) -> int | None:
        if self.lock_path is None:
            return None
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        return fd

    @staticmethod
    def _unflock(fd: int | None) -> None:
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock

    def _write_stats(self) -> None:
        folder = os.environ.get(STATS_DIR_ENV)
        if not folder:
            return
        now = time.monotonic()
        with self.stats.lock:
            if now - self.stats.written_at < _STATS_EVERY_S:
                return
            self.stats.written_at = now
        path = Path(folder) / f"writer-{os.getpid()}.json"
        partial = path.with_suffix(f".{threading.get_ident()}.tmp")
        try:
            partial.write_text(json.dumps(group_commit_stats()))
            os.replace(partial, path)
        except OSError:
            pass  # figures for a benchmark: never a reason to fail a write


def _execute(conn: sqlite3.Connection, statement: str) -> None:
    try:
        conn.execute(statement)
    except sqlite3.Error as exc:
        raise translate(exc) from None


def _raise_failure(batch: Batch) -> None:
    """Every unit of a failed batch raises an exception of its own (the threads raise at the same time)."""
    error = batch.error
    if error is None:
        return
    translated = translate(error) if isinstance(error, sqlite3.Error) else error
    if translated is error:
        translated = DatabaseError(f"the group commit failed: {error}")
    raise translated from error


_writers: dict[tuple[int, str], _Writer] = {}
_writers_guard = threading.Lock()


def writer_for(database_url: str) -> _Writer:
    key = (os.getpid(), database_url)
    with _writers_guard:
        found = _writers.get(key)
        if found is None:
            found = _writers[key] = _Writer(database_url)
        return found


def waiting(database_url: str) -> int:
    """Threads of this process queued for the writer slot of ``database_url`` (tests)."""
    writer = writer_for(database_url)
    with writer.cond:
        return writer.waiting


def group_commit_stats(database_url: str | None = None) -> dict:
    """This process's group-commit figures, for one database or summed over all: batches, units
    committed, units rolled back inside a batch, failed batches, batch sizes (max, average, and how many
    batches of each size), and how long the write transaction was held (per batch: average and max; per
    unit) and spent in COMMIT, in milliseconds."""
    total = {
        "batches": 0,
        "units": 0,
        "rolled_back": 0,
        "failed": 0,
        "max_batch": 0,
        "hold_s": 0.0,
        "max_hold_s": 0.0,
        "commit_s": 0.0,
        "sizes": {},
    }
    pid = os.getpid()
    for (owner, url), writer in list(_writers.items()):
        if owner == pid and database_url in (None, url):
            writer.stats.add_to(total)
    batches, units = total["batches"], total["units"]
    return {
        "enabled": settings.enabled,
        "pid": pid,
        "batches": batches,
        "units": units,
        "rolled_back": total["rolled_back"],
        "failed": total["failed"],
        "max_batch": total["max_batch"],
        "avg_batch": round(units / batches, 3) if batches else 0.0,
        "sizes": {str(size): count for size, count in sorted(total["sizes"].items())},
        "hold_ms_avg": round(1000 * total["hold_s"] / batches, 3) if batches else 0.0,
        "hold_ms_max": round(1000 * total["max_hold_s"], 3),
        "hold_us_per_unit": round(1e6 * total["hold_s"] / units, 1) if units else 0.0,
        "commit_ms_avg": round(1000 * total["commit_s"] / batches, 3) if batches else 0.0,
        # the names bench/stats.py reads (its contract): COMMITs, units they held, seconds held
        "commits": batches,
        "operations": units,
        "lock_held_s": round(total["hold_s"], 6),
    }


def reset_group_commit_stats() -> None:
    pid = os.getpid()
    for (owner, _), writer in list(_writers.items()):
        if owner == pid:
            with writer.stats.lock:
                writer.stats.reset()
