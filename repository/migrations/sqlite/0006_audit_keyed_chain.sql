-- The audit chain becomes keyed (SPEC section 7): each hash is an HMAC-SHA256
-- under AUDIT_KEY, which never enters the database. SQL cannot compute an HMAC,
-- so the runner follows this file with a Python step in the same transaction
-- (repository/migrations/rechain.py): it checks the old unkeyed chain, lifts
-- audit_log_no_update, re-chains every record under the key, restores the
-- trigger exactly as it was and appends an "audit.rechain" record.
--
-- Verification matches every journal entry with its audit record by
-- (resource_type, resource_id): this keeps that match an index look-up.
CREATE INDEX audit_resource ON audit_log(resource_type, resource_id);
