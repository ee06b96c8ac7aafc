"""EventRepository: the outbox (SPEC section 16). An event is inserted by the change's own
transaction. Its public id is ``seq``: on SQLite, whose commits are serial, the writer numbers it
at once (MAX + 1 under the write lock); on PostgreSQL it is inserted unnumbered and the sealer
numbers committed events in turn, so the feed, reading numbered events only, never sees a later
id before an earlier one (see migration 0008)."""

from __future__ import annotations

import json

from entities.events import Event

_SEQ_NOW = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM events)"
_COLUMNS = "e.seq, e.type, e.created_at, e.data"


def _event(row) -> Event:
    return Event(id=row[0], type=row[1], created_at=row[2], data=json.loads(row[3]))


class EventRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._later = getattr(backend, "numbers_events_later", False)

    def add(self, event: Event) -> Event:
        """Write ``event`` in the current transaction, with the accounts it concerns."""
        seq = "NULL" if self._later else _SEQ_NOW
        row = self.conn.execute(
            f"INSERT INTO events (seq, type, created_at, data) VALUES ({seq}, ?, ?, ?) RETURNING id, seq",
            (event.type, event.created_at, json.dumps(event.data, separators=(",", ":"))),
        ).fetchone()
        event.id = row[1]
        self.conn.executemany(
            "INSERT INTO event_accounts (event_id, account_id) VALUES (?, ?)",
            [(row[0], account_id) for account_id in sorted(set(event.account_ids))],
        )
        return event

    def page(self, after: int, limit: int, event_type: str | None = None, owner_id: int | None = None) -> list[Event]:
        """Numbered events after ``after``, oldest first; with ``owner_id``, those concerning that
        customer's accounts only."""
        clauses, params = ["e.seq > ?"], [after]
        if event_type is not None:
            clauses.append("e.type = ?")
            params.append(event_type)
        if owner_id is not None:
            clauses.append(
                "e.id IN (SELECT ea.event_id FROM event_accounts ea JOIN accounts a ON a.id = ea.account_id"
                " WHERE a.owner_id = ?)"
            )
            params.append(owner_id)
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM events e WHERE {' AND '.join(clauses)} ORDER BY e.seq LIMIT ?",
            (*params, limit),
        )
        return [_event(row) for row in rows]

    def for_account(self, account_id: int, before: int | None, limit: int) -> list[Event]:
        """Numbered events concerning ``account_id``, newest first, older than ``before`` when given."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM event_accounts ea JOIN events e ON e.id = ea.event_id"
            " WHERE ea.account_id = ? AND e.seq IS NOT NULL AND e.seq < ? ORDER BY e.seq DESC LIMIT ?",
            (account_id, before if before is not None else 2**62, limit),
        )
        return [_event(row) for row in rows]

    def get(self, seq: int) -> Event | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM events e WHERE e.seq = ?", (seq,)).fetchone()
        return _event(row) if row else None

    def latest_id(self) -> int:
        """The newest numbered event's id (0 when there is none)."""
        return self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
