-- The audit chain is keyed (SPEC section 7): each hash is an HMAC-SHA256 under
-- AUDIT_KEY, which never enters the database. On SQLite a Python step re-chains
-- the records of the old unkeyed chain; a new PostgreSQL database has none, and
-- its sealer chains every record under the key from the start.
--
-- Verification matches every journal entry with its audit record by
-- (resource_type, resource_id): this keeps that match an index look-up.
CREATE INDEX audit_resource ON audit_log (resource_type, resource_id);
