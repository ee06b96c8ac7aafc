"""The unit of work owns one connection and one transaction, on whichever backend."""

from __future__ import annotations

from collections.abc import Callable

from repository import db
from repository.accounts import AccountRepository
from repository.approvals import ApprovalRepository
from repository.audit import AuditRepository
from repository.cards import CardRepository
from repository.events import EventRepository
from repository.holds import DailyTotals, HoldRepository
from repository.idempotency import IdempotencyRepository
from repository.ledger import LedgerRepository
from repository.mfa import MfaRepository
from repository.sessions import SessionRepository
from repository.users import UserRepository
from repository.verification import VerificationRepository
from repository.webhooks import WebhookRepository


class UnitOfWork:
    """``with uow:`` begins (on SQLite BEGIN IMMEDIATE behind the writer queue for writes, so a
    read-then-write can never lose an update; on PostgreSQL READ COMMITTED, the repositories
    locking the rows they change); ``commit()`` is explicit; leaving without it rolls back."""

    def __init__(
        self,
        database_url: str,
        *,
        write: bool = True,
        audit_key: bytes | None = None,
        events_outbox: bool = True,
        one_statement: bool = False,
    ):
        self.database_url = database_url
        self.write = write
        # A read of one statement needs no transaction: the statement is its own snapshot on both
        # backends, and on PostgreSQL BEGIN and ROLLBACK would be two more round trips (every
        # authenticated request makes this read). Only for write=False, and only one statement.
        self.one_statement = one_statement and not write
        self.audit_key = audit_key
        self.events_outbox = events_outbox  # False (EVENTS_OUTBOX, the bench only): changes write no event
        self.backend = db.backend(database_url)
        self.conn = None
        self._open = False
        self._slot = None

    def __enter__(self) -> UnitOfWork:
        self.conn = self.backend.acquire()
        try:
            if self.one_statement:
                self._slot, self._open, self._wrote = None, False, False
            else:
                self.begin(self.write)
        except BaseException:
            self.backend.release(self.conn, broken=True)
            self.conn = None
            raise
        conn, backend = self.conn, self.backend
        self.users = UserRepository(conn, backend)
        self.sessions = SessionRepository(conn, backend)
        self.accounts = AccountRepository(conn, backend)
        self.ledger = LedgerRepository(conn, backend)
        self.idempotency = IdempotencyRepository(conn, backend)
        self.audit = AuditRepository(conn, backend, self.audit_key)
        self.verification = VerificationRepository(conn, backend)
        self.cards = CardRepository(conn, backend)
        self.holds = HoldRepository(conn, backend)
        self.daily_totals = DailyTotals(conn, backend)
        self.events = EventRepository(conn, backend)
        self.webhooks = WebhookRepository(conn, backend)
        self.mfa = MfaRepository(conn, backend)
        self.approvals = ApprovalRepository(conn, backend)
        if not self.write:  # a read-only transaction takes no row locks (PostgreSQL refuses them)
            for repository in (self.users, self.accounts, self.sessions, self.holds, self.approvals):
                repository._for_update = ""
        return self

    def begin(self, write: bool = True) -> None:
        """(Re)open a transaction on this unit's connection (after a rollback, to audit a denial)."""
        self._slot = self.backend.begin(self.conn, write)
        self._open = True
        self._wrote = write

    def commit(self) -> None:
        if getattr(self, "idempotency", None) is not None:
            self.idempotency.before_commit()
        self.backend.commit(self.conn)
        self._open = False
        self._release()
        if self._wrote:
            self.backend.after_commit()

    def rollback(self) -> None:
        if self._open:
            self._open = False
            self.backend.rollback(self.conn)
        self._release()

    def _release(self) -> None:
        slot, self._slot = self._slot, None
        self.backend.end(slot)

    def __exit__(self, *exc) -> None:
        broken = False
        try:
            self.rollback()
        except BaseException:
            broken = True  # never hand a connection in doubt to the next unit of work
            raise
        finally:
            self._release()
            self.backend.release(self.conn, broken=broken)
            self.conn = None


UowFactory = Callable[..., UnitOfWork]


def factory(database_url: str, audit_key: str | bytes | None = None, *, events_outbox: bool = True) -> UowFactory:
    """Units of work over ``database_url``; ``audit_key`` (AUDIT_KEY) keys the audit chain (and,
    on PostgreSQL, lets this process run the sealer that extends it); ``events_outbox`` false
    (EVENTS_OUTBOX, refused in production) lets the bench measure what writing events costs."""
    key = audit_key.encode() if isinstance(audit_key, str) else audit_key

    def make(write: bool = True, *, one_statement: bool = False) -> UnitOfWork:
        work = UnitOfWork(
            database_url, write=write, audit_key=key, events_outbox=events_outbox, one_statement=one_statement
        )
        if write and getattr(work.backend, "_sealer", False) is None:
            work.backend.start_sealer(key)  # this process's first write on PostgreSQL (a forked worker's own)
        return work

    def seal() -> int:
        """Chain every committed audit record and fold every system posting now (PostgreSQL; waits for
        a sealer at work elsewhere). Nothing to do on SQLite, where both happen in each transaction."""
        backend = db.backend(database_url)
        return backend.seal_now(key) if hasattr(backend, "seal_now") else 0

    make.seal = seal
    return make
