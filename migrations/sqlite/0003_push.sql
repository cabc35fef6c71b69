-- The push pipeline: one message per cause, one delivery per recipient and
-- cause (the unique key makes a send happen at most once), the ledger of
-- one-time subscribe-message grants, and what each resident wants to receive.

CREATE TABLE push_messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    cause         TEXT NOT NULL UNIQUE,
    template      TEXT NOT NULL,
    page          TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL,
    audience      TEXT NOT NULL,
    fanout_cursor BIGINT NOT NULL DEFAULT 0,
    fanout_done   BOOLEAN NOT NULL DEFAULT FALSE,
    recipients    INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE push_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      BIGINT NOT NULL REFERENCES push_messages(id),
    dedup_key       TEXT NOT NULL,
    resident_id     BIGINT NOT NULL REFERENCES residents(id),
    channel         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'no_grant', 'refused', 'failed', 'skipped')),
    errcode         INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_by      BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (dedup_key, resident_id)
);
CREATE INDEX push_deliveries_work_idx ON push_deliveries (message_id, status, resident_id);

CREATE TABLE push_grants (
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    template_id TEXT NOT NULL,
    remaining   INTEGER NOT NULL CHECK (remaining >= 0),
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (resident_id, template_id)
);

CREATE TABLE notification_settings (
    resident_id  BIGINT PRIMARY KEY REFERENCES residents(id),
    tickets      BOOLEAN NOT NULL DEFAULT TRUE,
    appointments BOOLEAN NOT NULL DEFAULT TRUE,
    policies     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at   TIMESTAMP NOT NULL
);
