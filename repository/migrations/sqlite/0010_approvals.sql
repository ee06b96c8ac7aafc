-- Dual control (SPEC section 15): a large reversal or a grant of the admin role waits here for a
-- second staff member's decision.
--
-- subject names what the request acts on ('journal_entry:12', 'user:7'); the partial unique index
-- lets each subject have one pending request at a time. A decision is one UPDATE from 'pending'
-- to 'approved' or 'rejected', made once (the triggers refuse anything else), and the CHECKs make
-- the database itself refuse an approval by its own requester (a requester may only withdraw,
-- which is a rejection) and an approval without the executed action's answer.
CREATE TABLE approvals (
    id               INTEGER PRIMARY KEY,
    action           TEXT    NOT NULL CHECK (action IN ('reversal', 'role_grant')),
    subject          TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by     INTEGER NOT NULL REFERENCES users(id),
    reason           TEXT,
    details          TEXT    NOT NULL,   -- JSON: what a checker needs to decide
    created_at       TEXT    NOT NULL,
    decided_by       INTEGER REFERENCES users(id),
    decided_at       TEXT,
    decision_reason  TEXT,
    result           TEXT,               -- JSON: the executed action's answer (approved only)
    CHECK ((status = 'pending') = (decided_by IS NULL)),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((status = 'approved') = (result IS NOT NULL)),
    CHECK (status <> 'approved' OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX approvals_one_pending ON approvals(action, subject) WHERE status = 'pending';
CREATE INDEX approvals_status ON approvals(status, id);

CREATE TRIGGER approvals_insert_pending BEFORE INSERT ON approvals
WHEN NEW.status <> 'pending' OR NEW.decided_by IS NOT NULL OR NEW.result IS NOT NULL
  OR EXISTS (SELECT 1 FROM approvals WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'an approval starts pending');
END;
-- An approval is decided once; what was asked never changes.
CREATE TRIGGER approvals_forward_only BEFORE UPDATE ON approvals
WHEN OLD.status <> 'pending' OR NEW.status = 'pending' OR NEW.id <> OLD.id
  OR NEW.action <> OLD.action OR NEW.subject <> OLD.subject OR NEW.requested_by <> OLD.requested_by
  OR NEW.reason IS NOT OLD.reason OR NEW.details <> OLD.details OR NEW.created_at <> OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'an approval only moves from pending to its decision, once');
END;
CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
BEGIN
    SELECT RAISE(ABORT, 'approvals are kept');
END;
