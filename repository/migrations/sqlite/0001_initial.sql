-- Corebank initial schema (SQLite dialect).
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    full_name       TEXT    NOT NULL CHECK (length(full_name) BETWEEN 1 AND 100),
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'teller', 'admin')),
    failed_logins   INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until    TEXT,
    admin_locked    INTEGER NOT NULL DEFAULT 0 CHECK (admin_locked IN (0, 1)),
    timezone        TEXT    NOT NULL DEFAULT 'UTC',
    created_at      TEXT    NOT NULL
);

-- One row per login: a web session (id = SHA-256 of the cookie) or an API
-- token family (id = the "sid" claim of its access and refresh tokens).
CREATE TABLE sessions (
    id              TEXT    PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    kind            TEXT    NOT NULL CHECK (kind IN ('web', 'api')),
    created_at      TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,
    revoked_at      TEXT,
    ip              TEXT,
    user_agent      TEXT
);
CREATE INDEX sessions_user ON sessions(user_id, revoked_at);

CREATE TABLE refresh_tokens (
    jti             TEXT    PRIMARY KEY,
    session_id      TEXT    NOT NULL REFERENCES sessions(id),
    expires_at      TEXT    NOT NULL,
    used_at         TEXT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE token_blacklist (
    jti             TEXT    PRIMARY KEY,
    expires_at      TEXT    NOT NULL
);
CREATE INDEX token_blacklist_expiry ON token_blacklist(expires_at);

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    number          TEXT    NOT NULL UNIQUE,
    owner_id        INTEGER REFERENCES users(id),
    type            TEXT    NOT NULL CHECK (type IN ('checking', 'savings', 'system')),
    currency        TEXT    NOT NULL CHECK (length(currency) = 3),
    balance_cents   INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'closed')),
    pin_hash        TEXT,
    pin_salt        TEXT,
    pin_failures    INTEGER NOT NULL DEFAULT 0,
    pin_locked      INTEGER NOT NULL DEFAULT 0 CHECK (pin_locked IN (0, 1)),
    system_code     TEXT,
    created_at      TEXT    NOT NULL,
    -- Customer balances can never go negative: the database itself refuses.
    CHECK (type = 'system' OR balance_cents >= 0),
    CHECK ((type = 'system') = (system_code IS NOT NULL)),
    UNIQUE (system_code, currency)
);
CREATE INDEX accounts_owner ON accounts(owner_id, id);
CREATE INDEX accounts_pin_locked ON accounts(pin_locked) WHERE pin_locked = 1;

CREATE TABLE journal_entries (
    id                      INTEGER PRIMARY KEY,
    kind                    TEXT    NOT NULL CHECK (kind IN ('deposit', 'withdrawal', 'transfer', 'card_purchase', 'reversal')),
    status                  TEXT    NOT NULL CHECK (status IN ('posted', 'declined')),
    amount_cents            INTEGER NOT NULL CHECK (amount_cents > 0),
    currency                TEXT    NOT NULL,
    memo                    TEXT,
    decline_reason          TEXT,
    account_id              INTEGER REFERENCES accounts(id),
    counterparty_account_id INTEGER REFERENCES accounts(id),
    reverses_entry_id       INTEGER REFERENCES journal_entries(id),
    actor_id                INTEGER REFERENCES users(id),
    created_at              TEXT    NOT NULL,
    CHECK ((status = 'declined') = (decline_reason IS NOT NULL))
);
CREATE INDEX journal_declined_by_account ON journal_entries(account_id, id) WHERE status = 'declined';
CREATE INDEX journal_created ON journal_entries(created_at);
-- An entry can be reversed once: at most one posted reversal points at it.
CREATE UNIQUE INDEX journal_one_reversal ON journal_entries(reverses_entry_id) WHERE status = 'posted';

CREATE TABLE postings (
    id                  INTEGER PRIMARY KEY,
    entry_id            INTEGER NOT NULL REFERENCES journal_entries(id),
    account_id          INTEGER NOT NULL REFERENCES accounts(id),
    amount_cents        INTEGER NOT NULL CHECK (amount_cents <> 0),
    balance_after_cents INTEGER NOT NULL,
    created_at          TEXT    NOT NULL
);
CREATE INDEX postings_account_entry ON postings(account_id, entry_id);
CREATE INDEX postings_account_created ON postings(account_id, created_at);
CREATE INDEX postings_entry ON postings(entry_id);

CREATE TABLE idempotency_keys (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    key             TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint     TEXT    NOT NULL,
    status_code     INTEGER NOT NULL,
    response_body   TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    UNIQUE (user_id, key)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_at);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT    NOT NULL,
    actor_id        INTEGER,
    action          TEXT    NOT NULL,
    resource_type   TEXT,
    resource_id     TEXT,
    outcome         TEXT    NOT NULL,
    ip              TEXT,
    user_agent      TEXT,
    request_id      TEXT,
    details         TEXT    NOT NULL DEFAULT '{}',
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL
);
CREATE INDEX audit_actor ON audit_log(actor_id, id);
CREATE INDEX audit_action ON audit_log(action, id);

-- The audit log is append-only: the database refuses edits and deletions.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- Postings and journal entries are never edited or deleted either.
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN
    SELECT RAISE(ABORT, 'postings are immutable');
END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings
BEGIN
    SELECT RAISE(ABORT, 'postings are immutable');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal_entries
BEGIN
    SELECT RAISE(ABORT, 'journal entries are immutable');
END;
