-- Close the append-only holes 0001 left open.
-- INSERT OR REPLACE (or REPLACE INTO) deletes the conflicting row without firing
-- DELETE triggers (recursive_triggers is off by default), so it edited audit
-- records and postings in place. A BEFORE INSERT trigger sees the statement
-- before its conflict resolution: an insert that reuses an existing id is refused.
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER postings_no_replace BEFORE INSERT ON postings
WHEN EXISTS (SELECT 1 FROM postings WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'postings are immutable');
END;
CREATE TRIGGER journal_no_replace BEFORE INSERT ON journal_entries
WHEN EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'journal entries are immutable');
END;
-- Journal entries were protected from DELETE only.
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal_entries
BEGIN
    SELECT RAISE(ABORT, 'journal entries are immutable');
END;
