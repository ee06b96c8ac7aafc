-- Events and webhooks (SPEC section 16).
--
-- An event is written in the transaction of its change (the outbox), so it exists exactly when
-- the change committed. seq is the public id: here SQLite commits one transaction at a time, so
-- the writer numbers the event itself (MAX(seq) + 1) and insertion order is commit order.
-- event_accounts names the customer accounts an event concerns (who may read it).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER,
    type        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    data        TEXT    NOT NULL
);
CREATE UNIQUE INDEX events_seq ON events(seq);
CREATE TABLE event_accounts (
    event_id    INTEGER NOT NULL REFERENCES events(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (account_id, event_id)
) WITHOUT ROWID;

-- Events are kept as written: only a missing seq may be given, once.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN OLD.seq IS NOT NULL OR NEW.id <> OLD.id OR NEW.type <> OLD.type
  OR NEW.created_at <> OLD.created_at OR NEW.data <> OLD.data
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
-- INSERT OR REPLACE would delete a row without the DELETE trigger.
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id OR seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- Webhooks (admin). after_seq is the fan-out cursor: events up to it have been queued for the
-- hook (a new hook starts at the newest event). A deleted hook keeps its row (deleted_at) so its
-- deliveries stay explained, but gets nothing more.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    events      TEXT    NOT NULL,   -- JSON list of types, or ["*"]
    description TEXT,
    secret      TEXT    NOT NULL,   -- whsec_…: the HMAC key; never shown again after creation
    created_at  TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    after_seq   INTEGER NOT NULL DEFAULT 0,
    deleted_at  TEXT
);
-- One row per (hook, event) to deliver: the state that survives a restart.
CREATE TABLE webhook_jobs (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id),
    event_seq       INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    next_attempt_at TEXT,
    UNIQUE (webhook_id, event_seq),
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_jobs_due ON webhook_jobs(next_attempt_at) WHERE status = 'pending';
-- One row per attempt, as GET /webhooks/{id}/deliveries lists them.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id),
    job_id          INTEGER NOT NULL REFERENCES webhook_jobs(id),
    event_id        INTEGER NOT NULL,
    attempt         INTEGER NOT NULL CHECK (attempt >= 1),
    status_code     INTEGER,
    error           TEXT,
    delivered_at    TEXT    NOT NULL,
    next_attempt_at TEXT
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);
