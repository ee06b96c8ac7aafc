-- A record forged without AUDIT_KEY must fail verification (SPEC sections 7 and 8). Each record's
-- keyed hash is written by its writer here, chained to the one before, and verification walks
-- every record from the lowest id and counts them against the log. Ids start at 1 (the writer
-- numbers them after the last): the database refuses an id below 1, which could otherwise head
-- the chain before the first record. (PostgreSQL's 0012 also adds each record's MAC; a record is
-- chained in its own transaction here, so it needs none.)
CREATE TRIGGER audit_log_positive_id AFTER INSERT ON audit_log
WHEN NEW.id < 1
BEGIN
    SELECT RAISE(ABORT, 'audit record ids start at 1');
END;
