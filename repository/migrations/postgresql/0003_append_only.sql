-- Close the append-only holes 0001 left open.
-- PostgreSQL has no INSERT OR REPLACE (an insert that reuses an id fails on the
-- primary key), so SQLite's *_no_replace triggers have no counterpart here.
-- Journal entries were protected from DELETE only.
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_immutable();
-- TRUNCATE fires no row triggers: refuse it on each of the three tables.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION postings_immutable();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION journal_immutable();
