-- A posted journal entry moves its amount between two accounts: exactly two postings, and a
-- declined one posts nothing. The database refuses a third posting (a +X/-X pair smuggled into an
-- entry whose audit record exists) and any posting on a declined entry; verification checks the
-- two postings are the ones the entry implies (repository/verification.py).
CREATE TRIGGER postings_two_per_entry BEFORE INSERT ON postings
WHEN NOT EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id AND status = 'posted')
  OR (SELECT COUNT(*) FROM postings WHERE entry_id = NEW.entry_id) >= 2
BEGIN
    SELECT RAISE(ABORT, 'a posted journal entry has exactly two postings');
END;
