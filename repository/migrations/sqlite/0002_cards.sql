-- Debit cards (SPEC section 5) and the index monthly statements need (section 6).

-- PAN and CVV are stored only as Fernet tokens (keys live in the environment,
-- never here); the last four digits are kept in clear for display.
CREATE TABLE cards (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    pan_last4       TEXT    NOT NULL CHECK (length(pan_last4) = 4 AND pan_last4 NOT GLOB '*[^0-9]*'),
    pan_encrypted   TEXT    NOT NULL,
    cvv_encrypted   TEXT    NOT NULL,
    expiry_month    INTEGER NOT NULL CHECK (expiry_month BETWEEN 1 AND 12),
    expiry_year     INTEGER NOT NULL CHECK (expiry_year BETWEEN 2000 AND 9999),
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'cancelled')),
    created_at      TEXT    NOT NULL,
    -- The database itself refuses a PAN or CVV that is not a Fernet token
    -- (version byte 0x80, base64url: every token starts "gAAA" and is 100+ chars).
    CHECK (pan_encrypted GLOB 'gAAA*' AND length(pan_encrypted) >= 100),
    CHECK (cvv_encrypted GLOB 'gAAA*' AND length(cvv_encrypted) >= 100)
);
-- One card per account that is not cancelled (active or frozen).
CREATE UNIQUE INDEX cards_one_per_account ON cards(account_id) WHERE status <> 'cancelled';
CREATE INDEX cards_account ON cards(account_id, id);

-- Statements list an account's declined operations of one month: a range on
-- (account_id, created_at), whatever the account's history.
CREATE INDEX journal_declined_by_account_created ON journal_entries(account_id, created_at) WHERE status = 'declined';
