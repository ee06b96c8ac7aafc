-- The CVV is never stored, not even encrypted (SPEC section 5, PCI DSS v4
-- 3.3.1.2). On PostgreSQL, 0002 already created cards without cvv_encrypted,
-- so there is nothing to erase; this file keeps the rest of SQLite's 0005.

-- Separation of duties (SPEC section 1): a teller lifts one account's PIN lock at
-- most PIN_UNLOCKS_PER_DAY times in any 24 hours, counted from the audit log (the
-- state every instance shares). This keeps that count a short range scan.
CREATE INDEX audit_account_unlocks ON audit_log (resource_id, created_at) WHERE action = 'account.unlock';
