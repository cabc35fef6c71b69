-- Accounts: departments, residents, staff, sessions; the audit log; stored
-- Idempotency-Key responses.

CREATE TABLE departments (
    id          BIGSERIAL PRIMARY KEY,
    parent_id   BIGINT REFERENCES departments(id),
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL DEFAULT 'bureau' CHECK (kind IN ('city', 'bureau', 'district', 'section', 'center')),
    path        TEXT NOT NULL DEFAULT '/',
    sort_order  INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX departments_parent_idx ON departments (parent_id);
CREATE INDEX departments_path_idx ON departments (path text_pattern_ops);

CREATE TABLE residents (
    id                BIGSERIAL PRIMARY KEY,
    openid            TEXT NOT NULL UNIQUE,
    unionid           TEXT,
    nickname          TEXT NOT NULL DEFAULT '',
    phone_enc         BYTEA,
    phone_hash        TEXT,
    phone_verified_at TIMESTAMPTZ,
    session_key_enc   BYTEA,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at     TIMESTAMPTZ
);
CREATE INDEX residents_unionid_idx ON residents (unionid);
CREATE INDEX residents_phone_hash_idx ON residents (phone_hash);

CREATE TABLE staff (
    id                  BIGSERIAL PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('operator', 'handler', 'clerk', 'editor', 'admin')),
    department_id       BIGINT REFERENCES departments(id),
    hall_id             BIGINT,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX staff_department_idx ON staff (department_id);

CREATE TABLE sessions (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('resident', 'staff')),
    subject_id   BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_subject_idx ON sessions (subject_kind, subject_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    actor_kind  TEXT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_kind, actor_id, created_at);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);

CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL DEFAULT 0,
    content_type  TEXT NOT NULL DEFAULT '',
    response_body BYTEA,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
