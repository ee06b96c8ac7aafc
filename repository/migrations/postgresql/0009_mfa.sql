-- Strong authentication (SPEC section 15): a TOTP factor per user, its recovery codes, the
-- single-use challenges between a login's password step and its code step, and the methods a
-- session was authenticated with.
CREATE TABLE mfa_factors (
    user_id     BIGINT PRIMARY KEY REFERENCES users(id),
    secret_enc  TEXT    NOT NULL,                -- the base32 secret under CARD_KEYS (MultiFernet)
    created_at  TEXT    NOT NULL,
    enabled_at  TEXT,                            -- null: enrolled, not yet confirmed with a code
    last_step   BIGINT NOT NULL DEFAULT -1           -- the newest accepted 30-second step: a code is used once
);

CREATE TABLE recovery_codes (
    user_id     BIGINT NOT NULL REFERENCES users(id),
    code_hash   TEXT    NOT NULL,                -- HMAC-SHA256 under PIN_PEPPER: never the code
    used_at     TEXT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE mfa_challenges (
    id          TEXT    PRIMARY KEY,             -- SHA-256 of the mfa_token: never the token
    user_id     BIGINT NOT NULL REFERENCES users(id),
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);
CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);

-- "pwd" or "pwd otp": what the login that started this session (or token family) verified.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
