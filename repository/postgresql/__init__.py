"""The PostgreSQL backend (SPEC section 17): psycopg 3 over a psycopg_pool connection pool.

Each unit of work is one READ COMMITTED transaction (reads: REPEATABLE READ READ ONLY, one
snapshot for a whole statement page). Rows a movement changes are locked with SELECT … FOR UPDATE
in ascending id order by the shared repositories (``for_update``), so operations on different
accounts run in parallel and none deadlocks. System accounts are no hot row: their postings are
written without a running balance and folded, in commit order, by the sealer (sealer.py), which
also chains the audit log. psycopg's exceptions become repository.errors here."""

from __future__ import annotations

import os
import re
import threading

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from repository.errors import DatabaseBusy, DatabaseUnavailable, IntegrityViolation, UniqueViolation

_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|(?<!:):([A-Za-z_]\w*)|%")
_translated: dict[tuple[str, bool], str] = {}


def _to_pyformat(sql: str, with_params: bool) -> str:
    """Our SQL's ``?`` and ``:name`` placeholders in psycopg's ``%s`` / ``%(name)s`` (and a literal
    ``%`` doubled when parameters are passed). Quoted literals are left as they are."""
    key = (sql, with_params)
    found = _translated.get(key)
    if found is None:

        def swap(match: re.Match) -> str:
            text = match.group(0)
            if text.startswith("'"):
                return text
            if text == "?":
                return "%s"
            if text == "%":
                return "%%" if with_params else "%"
            return f"%({match.group(1)})s"

        found = _translated[key] = _PLACEHOLDER.sub(swap, sql)
    return found


class Row(tuple):
    """A row readable by position and by column name, like sqlite3.Row (and ``dict(row)``)."""

    def __new__(cls, values, index):
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self._index)


def _row_factory(cursor):
    description = cursor.description
    if description is None:
        return tuple
    index = {column.name: i for i, column in enumerate(description)}
    return lambda values: Row(values, index)


class _Result:
    """What ``execute`` returns: fetchone, fetchall, iteration, rowcount (sqlite3's cursor subset)."""

    __slots__ = ("_cursor", "rowcount")

    def __init__(self, cursor):
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    def fetchone(self):
        return self._cursor.fetchone() if self._cursor.description is not None else None

    def fetchall(self):
        return self._cursor.fetchall() if self._cursor.description is not None else []

    def __iter__(self):
        return iter(self.fetchall())


class PostgresConnection:
    name = "postgresql"
    __slots__ = ("raw",)

    def __init__(self, raw: psycopg.Connection):
        self.raw = raw

    def execute(self, sql: str, params=()):
        with_params = bool(params)
        try:
            cursor = self.raw.cursor(row_factory=_row_factory)
            cursor.execute(_to_pyformat(sql, with_params), params if with_params else None)
            return _Result(cursor)
        except psycopg.Error as exc:
            raise translate(exc) from None

    def executemany(self, sql: str, rows):
        rows = list(rows)
        if not rows:
            return None
        try:
            with self.raw.cursor() as cursor:
                cursor.executemany(_to_pyformat(sql, True), rows)
        except psycopg.Error as exc:
            raise translate(exc) from None

    def tuples(self, sql: str, params=()) -> list[tuple]:
        try:
            with self.raw.cursor() as cursor:
                cursor.execute(_to_pyformat(sql, bool(params)), params or None)
                return cursor.fetchall()
        except psycopg.Error as exc:
            raise translate(exc) from None

    def close(self) -> None:
        self.raw.close()

    def script(self, sql: str) -> None:
        """Several statements in one call (a migration file, plpgsql bodies included)."""
        try:
            self.raw.execute(sql)
        except psycopg.Error as exc:
            raise translate(exc) from None


_BUSY = (
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
    pg_errors.SerializationFailure,
    pg_errors.QueryCanceled,
    pg_errors.TooManyConnections,
)


def translate(exc: psycopg.Error) -> Exception:
    constraint = getattr(exc.diag, "constraint_name", None)
    message = (exc.diag.message_primary or str(exc)).strip()
    if isinstance(exc, pg_errors.UniqueViolation):
        return UniqueViolation(message, constraint)
    if isinstance(exc, (psycopg.IntegrityError, pg_errors.RaiseException)):
        return IntegrityViolation(message, constraint)
    if isinstance(exc, _BUSY):
        return DatabaseBusy(message)
    if isinstance(exc, psycopg.OperationalError):
        return DatabaseUnavailable(message)
    return exc


class PostgresBackend:
    name = "postgresql"
    defers_system_balances = True  # folded by the sealer: no lock every cash movement queues on
    numbers_events_later = True  # the sealer gives events their ids in commit order (SPEC 16)
    # Row locks of a movement: NO KEY UPDATE (no key changes), so the foreign-key checks of other
    # transactions inserting postings for the same account (KEY SHARE) never wait on them.
    for_update = " FOR NO KEY UPDATE"

    def __init__(self, database_url: str, *, pool_size: int | None = None, audit_key: bytes | None = None):
        self.database_url = database_url
        size = pool_size or int(os.environ.get("DATABASE_POOL_SIZE", "10"))
        self.pool = ConnectionPool(
            database_url,
            min_size=1,
            max_size=size,
            kwargs={"autocommit": True},
            timeout=int(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),  # whole seconds
            open=False,  # opened by the first unit of work of this process, never before a fork
            name="corebank",
        )
        self._opened = False
        self._sealer = None
        self._sealer_guard = threading.Lock()

    def acquire(self) -> PostgresConnection:
        if not self._opened:
            with self._sealer_guard:
                if not self._opened:
                    self.pool.open(wait=False)
                    self._opened = True
        try:
            return PostgresConnection(self.pool.getconn())
        except PoolTimeout as exc:
            raise DatabaseBusy("no database connection free") from exc
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable("database unreachable") from exc

    def release(self, conn: PostgresConnection, *, broken: bool = False) -> None:
        if broken and not conn.raw.closed:
            conn.raw.close()  # the pool replaces a closed connection
        self.pool.putconn(conn.raw)

    def begin(self, conn: PostgresConnection, write: bool):
        conn.execute("BEGIN" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return None

    def commit(self, conn: PostgresConnection) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: PostgresConnection) -> None:
        conn.execute("ROLLBACK")

    def end(self, slot) -> None:
        pass

    def after_commit(self) -> None:
        """A write committed: wake this process's sealer (it chains the audit records and folds
        the system postings that transaction left for it)."""
        if self._sealer is not None:
            self._sealer.poke()

    def start_sealer(self, audit_key: bytes | None) -> None:
        """Start this process's sealer thread once (lazily: a forked worker starts its own)."""
        if not audit_key or self._sealer is not None:
            return
        with self._sealer_guard:
            if self._sealer is None:
                from repository.postgresql.sealer import SealerThread

                self._sealer = SealerThread(self, audit_key)
                self._sealer.start()

    def seal_now(self, audit_key: bytes | None) -> int:
        from repository.postgresql.sealer import seal

        if not audit_key:
            return 0
        conn = self.acquire()
        broken = False
        try:
            return seal(conn, audit_key, wait=True)
        except BaseException:
            broken = True
            raise
        finally:
            self.release(conn, broken=broken)

    def connect(self) -> PostgresConnection:
        try:
            return PostgresConnection(psycopg.connect(self.database_url, autocommit=True, connect_timeout=5))
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable("database unreachable") from exc

    @staticmethod
    def close(conn: PostgresConnection) -> None:
        conn.raw.close()

    def dispose(self) -> None:
        if self._sealer is not None:
            self._sealer.stop()
        if self._opened:
            self.pool.close()
