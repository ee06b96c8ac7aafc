"""The unit of work owns one connection and one transaction."""

from __future__ import annotations

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

    def __init__(self, database_url: str, *, write: bool = True):
        self.database_url = database_url
        self.write = write
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
        self.audit = AuditRepository(self.conn)
        self.verification = VerificationRepository(self.conn)
        self.cards = CardRepository(self.conn)
        return self

    def begin(self, write: bool = True) -> None:
        self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        self._open = True

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self._open = False

    def rollback(self) -> None:
        if self._open:
            self.conn.execute("ROLLBACK")
            self._open = False

    def __exit__(self, *exc) -> None:
        try:
            self.rollback()
        except BaseException:
            db.discard(self.database_url)  # never hand a connection in doubt to the next unit of work
            raise
        finally:
            self.conn = None


UowFactory = Callable[..., UnitOfWork]


def factory(database_url: str) -> UowFactory:
    def make(write: bool = True) -> UnitOfWork:
        return UnitOfWork(database_url, write=write)

    return make
