-- Attempts against a locked user are summarised (SPEC section 2): at most one
-- "login denied user_locked" audit record per user per window; the attempts in
-- between are only counted here, and the next record carries that count.
CREATE TABLE login_denials (
    user_id           INTEGER PRIMARY KEY REFERENCES users(id),
    window_started_at TEXT    NOT NULL,
    suppressed        INTEGER NOT NULL DEFAULT 0 CHECK (suppressed >= 0),
    carried           INTEGER NOT NULL DEFAULT 0 CHECK (carried >= 0)
);
