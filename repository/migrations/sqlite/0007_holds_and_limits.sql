-- Holds and card authorisations (SPEC section 13) and daily limits (section 14).
--
-- held_cents is the sum of the account's pending holds, kept by the triggers below
-- (a hold reserves on insert and releases when it leaves 'pending'), so the CHECK
-- makes the database itself refuse a hold, or a debit, that the available balance
-- cannot cover. An expired hold stays 'pending' here until a write observes it (or
-- the sweep does): reads subtract what expired since (repository/holds.py).
ALTER TABLE accounts ADD COLUMN held_cents INTEGER NOT NULL DEFAULT 0
    CHECK (held_cents >= 0 AND (type = 'system' OR held_cents <= balance_cents));
ALTER TABLE accounts ADD COLUMN daily_limit_cents INTEGER
    CHECK (daily_limit_cents IS NULL OR daily_limit_cents BETWEEN 1 AND 1000000000000);

CREATE TABLE holds (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    card_id         INTEGER REFERENCES cards(id),
    kind            TEXT    NOT NULL CHECK (kind IN ('card_authorization', 'staff_hold')),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents BETWEEN 1 AND 1000000000000),
    captured_cents  INTEGER NOT NULL DEFAULT 0 CHECK (captured_cents >= 0 AND captured_cents <= amount_cents),
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'captured', 'voided', 'expired')),
    merchant        TEXT,
    reason          TEXT,
    expires_at      TEXT,
    counted_day     TEXT,   -- the UTC day whose money-out total holds this authorisation
    actor_id        INTEGER REFERENCES users(id),
    created_at      TEXT    NOT NULL,
    closed_at       TEXT,
    CHECK ((kind = 'card_authorization') = (card_id IS NOT NULL)),
    CHECK ((status = 'captured') = (captured_cents > 0)),
    CHECK ((status = 'pending') = (closed_at IS NULL))
);
CREATE INDEX holds_account ON holds(account_id, id);
CREATE INDEX holds_account_pending ON holds(account_id, expires_at) WHERE status = 'pending';
CREATE INDEX holds_pending_expiry ON holds(expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;

-- A capture's journal entry names its hold; entries stay immutable (set once, at insert).
ALTER TABLE journal_entries ADD COLUMN hold_id INTEGER REFERENCES holds(id);
CREATE UNIQUE INDEX journal_hold ON journal_entries(hold_id) WHERE hold_id IS NOT NULL;

CREATE TRIGGER holds_insert_pending BEFORE INSERT ON holds
WHEN NEW.status <> 'pending' OR NEW.captured_cents <> 0 OR NEW.closed_at IS NOT NULL
  OR EXISTS (SELECT 1 FROM holds WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'a hold starts pending');
END;
CREATE TRIGGER holds_reserve AFTER INSERT ON holds
BEGIN
    UPDATE accounts SET held_cents = held_cents + NEW.amount_cents WHERE id = NEW.account_id;
END;
-- A hold moves once, from pending to its end; nothing else about it ever changes.
CREATE TRIGGER holds_forward_only BEFORE UPDATE ON holds
WHEN OLD.status <> 'pending' OR NEW.status = 'pending' OR NEW.id <> OLD.id
  OR NEW.account_id <> OLD.account_id OR NEW.card_id IS NOT OLD.card_id OR NEW.kind <> OLD.kind
  OR NEW.amount_cents <> OLD.amount_cents OR NEW.merchant IS NOT OLD.merchant OR NEW.reason IS NOT OLD.reason
  OR NEW.expires_at IS NOT OLD.expires_at OR NEW.counted_day IS NOT OLD.counted_day
  OR NEW.actor_id IS NOT OLD.actor_id OR NEW.created_at <> OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'a hold only moves from pending to its end, once');
END;
CREATE TRIGGER holds_release AFTER UPDATE OF status ON holds
BEGIN
    UPDATE accounts SET held_cents = held_cents - OLD.amount_cents WHERE id = OLD.account_id;
END;
CREATE TRIGGER holds_no_delete BEFORE DELETE ON holds
BEGIN
    SELECT RAISE(ABORT, 'holds are kept');
END;

-- Running totals per UTC day, updated in the movement's own transaction: money out of an
-- account (section 14's daily limit) and a customer's self-service cash deposits.
CREATE TABLE daily_totals (
    scope       TEXT    NOT NULL CHECK (scope IN ('account_out', 'user_deposit')),
    subject_id  INTEGER NOT NULL,
    day         TEXT    NOT NULL CHECK (length(day) = 10),
    cents       INTEGER NOT NULL CHECK (cents >= 0),
    PRIMARY KEY (scope, subject_id, day)
) WITHOUT ROWID;
