-- The CVV is never stored, not even encrypted (SPEC section 5, PCI DSS v4
-- 3.3.1.2). Cards issued before this rule kept a Fernet token of theirs in
-- cards.cvv_encrypted: this erases every one of them, and the column with them.
--
-- A table CHECK names the column, so SQLite refuses DROP COLUMN: the table is
-- rebuilt without it (nothing references cards, so no foreign key is touched).
-- secure_delete makes SQLite overwrite the freed pages with zeros, so the old
-- tokens do not survive in the file's free list either; the migration runner
-- checkpoints and truncates the WAL after upgrading, so they leave the WAL too.
PRAGMA secure_delete = ON;

CREATE TABLE cards_without_cvv (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    pan_last4       TEXT    NOT NULL CHECK (length(pan_last4) = 4 AND pan_last4 NOT GLOB '*[^0-9]*'),
    pan_encrypted   TEXT    NOT NULL,
    expiry_month    INTEGER NOT NULL CHECK (expiry_month BETWEEN 1 AND 12),
    expiry_year     INTEGER NOT NULL CHECK (expiry_year BETWEEN 2000 AND 9999),
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'cancelled')),
    created_at      TEXT    NOT NULL,
    -- The database itself refuses a PAN that is not a Fernet token
    -- (version byte 0x80, base64url: every token starts "gAAA" and is 100+ chars).
    CHECK (pan_encrypted GLOB 'gAAA*' AND length(pan_encrypted) >= 100)
);
INSERT INTO cards_without_cvv (id, account_id, pan_last4, pan_encrypted, expiry_month, expiry_year, status, created_at)
SELECT id, account_id, pan_last4, pan_encrypted, expiry_month, expiry_year, status, created_at FROM cards;
DROP TABLE cards;
ALTER TABLE cards_without_cvv RENAME TO cards;
CREATE UNIQUE INDEX cards_one_per_account ON cards(account_id) WHERE status <> 'cancelled';
CREATE INDEX cards_account ON cards(account_id, id);

-- Separation of duties (SPEC section 1): a teller lifts one account's PIN lock at
-- most PIN_UNLOCKS_PER_DAY times in any 24 hours, counted from the audit log (the
-- state every instance shares). This keeps that count a short range scan.
CREATE INDEX audit_account_unlocks ON audit_log(resource_id, created_at) WHERE action = 'account.unlock';
