"""The database errors services may meet, the same whichever backend raised them.

Each backend translates its driver's exceptions into these (repository/sqlite, repository/postgresql),
so no service or blueprint imports sqlite3 or psycopg, and no message of theirs reaches a client."""

from __future__ import annotations


class DatabaseError(Exception):
    """Any failure of the database itself."""


class DatabaseBusy(DatabaseError):
    """The database could not take the work in time (a lock wait ran out, a deadlock was broken,
    a pool had no connection free): retrying later may succeed. Answered 503 with Retry-After."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached."""


class IntegrityViolation(DatabaseError):
    """A constraint or trigger refused the statement; ``constraint`` names it when the driver says."""

    def __init__(self, message: str, constraint: str | None = None):
        super().__init__(message)
        self.constraint = constraint


class UniqueViolation(IntegrityViolation):
    pass
