"""sqlite3's exceptions as repository.errors (no service or blueprint ever sees a sqlite3 error)."""

from __future__ import annotations

import sqlite3

from repository.errors import DatabaseBusy, IntegrityViolation, UniqueViolation


def translate(exc: sqlite3.Error) -> Exception:
    message = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        if message.startswith("UNIQUE constraint failed: "):
            return UniqueViolation(message, message.removeprefix("UNIQUE constraint failed: "))
        return IntegrityViolation(message)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
        return DatabaseBusy(message)
    return exc
