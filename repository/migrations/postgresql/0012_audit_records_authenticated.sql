-- A record forged without AUDIT_KEY must fail verification (SPEC sections 7, 8 and 17). Here the
-- sealer, which holds the key, chains records after their commit, so a record inserted by hand
-- would be chained like any other. So each record now carries a MAC its writer stores with it in
-- the record's own transaction: HMAC-SHA256 under AUDIT_KEY of its content and a nonce
-- (entities/audit.py record_mac). The sealer chains no record whose MAC is missing or wrong: it
-- sets refused_at on it, once, and goes on with the others; verification fails on it at once.
-- The nonce is unique, so a genuine record copied whole (MAC and all) is refused too. Records
-- chained before this migration have no MAC; their keyed hash covers them. A record left unsealed
-- by an earlier release has none either and is refused: upgrade with the log sealed.
ALTER TABLE audit_log ADD COLUMN nonce TEXT;
ALTER TABLE audit_log ADD COLUMN mac TEXT;
ALTER TABLE audit_log ADD COLUMN refused_at TEXT;
CREATE UNIQUE INDEX audit_nonce ON audit_log (nonce);
-- The sealer's queue leaves refused records out.
DROP INDEX audit_unsealed;
CREATE INDEX audit_unsealed ON audit_log (txid, id) WHERE hash IS NULL AND refused_at IS NULL;

-- The sealer's one update of an unsealed record either chains it (prev_hash, hash, chain_seq) or
-- refuses it (refused_at), and changes nothing else; everything else stays refused.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.hash IS NULL AND OLD.refused_at IS NULL
       AND ((NEW.hash IS NOT NULL AND NEW.refused_at IS NULL) OR (NEW.hash IS NULL AND NEW.refused_at IS NOT NULL))
       AND ROW(NEW.id, NEW.created_at, NEW.actor_id, NEW.action, NEW.resource_type, NEW.resource_id,
               NEW.outcome, NEW.ip, NEW.user_agent, NEW.request_id, NEW.details, NEW.txid, NEW.nonce, NEW.mac)
           IS NOT DISTINCT FROM
           ROW(OLD.id, OLD.created_at, OLD.actor_id, OLD.action, OLD.resource_type, OLD.resource_id,
               OLD.outcome, OLD.ip, OLD.user_agent, OLD.request_id, OLD.details, OLD.txid, OLD.nonce, OLD.mac)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

-- Ids start at 1, as on SQLite (where one below 1 would head the chain).
CREATE FUNCTION audit_log_positive_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id < 1 THEN
        RAISE EXCEPTION 'audit record ids start at 1';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_positive_id BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_positive_id();
