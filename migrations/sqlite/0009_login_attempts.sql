-- Staff login attempts, counted before the password is checked: one row per
-- username typed (existing or not), keyed by the keyed hash of what was typed
-- so that neither the name nor a password typed in its place is stored. A row
-- is a window of auth.staff_lockout: attempts above auth.staff_max_failures
-- are refused until window_ends (the lock-out); window_no tells one window
-- from the next. Rows are purged once their window has ended.
-- staff.failed_logins and staff.locked_until are no longer used.
CREATE TABLE login_attempts (
    key_hash     TEXT PRIMARY KEY,
    attempts     INTEGER NOT NULL,
    window_no    INTEGER NOT NULL,
    window_ends  TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_window_ends_idx ON login_attempts (window_ends);
