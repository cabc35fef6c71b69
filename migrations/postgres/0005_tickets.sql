-- The 12345 hotline and the mayor's mailbox: tickets, their timeline,
-- co-departments, attachments, published copies, the daily tracking-number
-- sequences, and the holiday calendar admins extend.

CREATE TABLE ticket_sequences (
    prefix TEXT NOT NULL,
    day    TEXT NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, day)
);

CREATE TABLE tickets (
    id                 BIGSERIAL PRIMARY KEY,
    tracking_no        TEXT NOT NULL UNIQUE,
    channel            TEXT NOT NULL CHECK (channel IN ('hotline', 'mailbox')),
    kind               TEXT NOT NULL CHECK (kind IN ('consultation', 'help', 'complaint', 'report', 'suggestion', 'praise')),
    priority           TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent')),
    category           TEXT NOT NULL,
    title              TEXT NOT NULL,
    content            TEXT NOT NULL,
    location_text      TEXT NOT NULL DEFAULT '',
    lat                DOUBLE PRECISION,
    lng                DOUBLE PRECISION,
    contact_phone_enc  BYTEA,
    contact_phone_hash TEXT,
    caller_name_enc    BYTEA,
    anonymous          BOOLEAN NOT NULL DEFAULT FALSE,
    public_consent     BOOLEAN NOT NULL DEFAULT FALSE,
    submitter_id       BIGINT REFERENCES residents(id),
    recorded_by        BIGINT REFERENCES staff(id),
    status             TEXT NOT NULL,
    held               BOOLEAN NOT NULL DEFAULT FALSE,
    department_id      BIGINT REFERENCES departments(id),
    parent_id          BIGINT REFERENCES tickets(id),
    reply              TEXT NOT NULL DEFAULT '',
    reply_note         TEXT NOT NULL DEFAULT '',
    rating             INTEGER,
    rating_comment     TEXT NOT NULL DEFAULT '',
    reopened           BOOLEAN NOT NULL DEFAULT FALSE,
    extension_days     INTEGER NOT NULL DEFAULT 0,
    extension_reason   TEXT NOT NULL DEFAULT '',
    extension_approved BOOLEAN NOT NULL DEFAULT FALSE,
    accept_due_at      TIMESTAMPTZ,
    sign_due_at        TIMESTAMPTZ,
    reply_due_at       TIMESTAMPTZ,
    clock_started_at   TIMESTAMPTZ,
    paused_at          TIMESTAMPTZ,
    remind_at          TIMESTAMPTZ,
    reminded_at        TIMESTAMPTZ,
    overdue_at         TIMESTAMPTZ,
    replied_at         TIMESTAMPTZ,
    visiting_since     TIMESTAMPTZ,
    closed_at          TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX tickets_submitter_idx ON tickets (submitter_id, created_at);
CREATE INDEX tickets_status_idx ON tickets (status, created_at);
CREATE INDEX tickets_department_idx ON tickets (department_id, status);
CREATE INDEX tickets_remind_idx ON tickets (remind_at);
CREATE INDEX tickets_reply_due_idx ON tickets (reply_due_at);

CREATE TABLE ticket_codepartments (
    ticket_id     BIGINT NOT NULL REFERENCES tickets(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (ticket_id, department_id)
);

CREATE TABLE ticket_timeline (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    internal    BOOLEAN NOT NULL DEFAULT FALSE,
    actor_kind  TEXT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_timeline_ticket_idx ON ticket_timeline (ticket_id, id);

CREATE TABLE uploads (
    id           BIGSERIAL PRIMARY KEY,
    owner_kind   TEXT NOT NULL,
    owner_id     BIGINT NOT NULL,
    ticket_id    BIGINT REFERENCES tickets(id),
    path         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX uploads_ticket_idx ON uploads (ticket_id);

CREATE TABLE ticket_publications (
    ticket_id     BIGINT PRIMARY KEY REFERENCES tickets(id),
    tracking_no   TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    category      TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    title         TEXT NOT NULL,
    content       TEXT NOT NULL,
    reply         TEXT NOT NULL,
    submitted_at  TIMESTAMPTZ NOT NULL,
    replied_at    TIMESTAMPTZ,
    published_at  TIMESTAMPTZ NOT NULL,
    published_by  BIGINT REFERENCES staff(id)
);
CREATE INDEX ticket_publications_published_idx ON ticket_publications (published_at);

CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('off', 'workday')),
    name       TEXT NOT NULL DEFAULT '',
    updated_by BIGINT,
    updated_at TIMESTAMPTZ NOT NULL
);
