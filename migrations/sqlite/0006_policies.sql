-- Policies (政策发布 · 解读): the topics residents subscribe to, drafts with
-- their interpretations, immutable published versions (each correction is a
-- new one), the change feed every instance follows to keep its catalogue
-- current, and the residents' topic subscriptions the release fan-out reads.

CREATE TABLE policy_topics (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL DEFAULT 0
);

INSERT INTO policy_topics (code, name, sort_order) VALUES
    ('jiuye', '就业创业', 10),
    ('shebao', '社会保障', 20),
    ('zhufang', '住房', 30),
    ('jiaoyu', '教育', 40),
    ('yiliao', '医疗卫生', 50),
    ('qiye', '企业服务', 60),
    ('minsheng', '民生保障', 70),
    ('jiaotong', '交通出行', 80);

CREATE TABLE policies (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT NOT NULL,
    doc_number        TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'withdrawn')),
    draft             TEXT NOT NULL,
    draft_dirty       BOOLEAN NOT NULL DEFAULT TRUE,
    revision          INTEGER NOT NULL DEFAULT 1,
    published_version INTEGER NOT NULL DEFAULT 0,
    withdraw_reason   TEXT NOT NULL DEFAULT '',
    created_by        BIGINT,
    updated_by        BIGINT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    published_at      TIMESTAMP,
    withdrawn_at      TIMESTAMP
);
CREATE INDEX policies_status_idx ON policies (status, id);
CREATE INDEX policies_doc_number_idx ON policies (doc_number);

CREATE TABLE policy_versions (
    policy_id    BIGINT NOT NULL REFERENCES policies(id),
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    changelog    TEXT NOT NULL DEFAULT '',
    push_cause   TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMP NOT NULL,
    published_by BIGINT,
    PRIMARY KEY (policy_id, version)
);

CREATE TABLE policy_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id  BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX policy_changes_changed_idx ON policy_changes (changed_at);

CREATE TABLE topic_subscriptions (
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    topic_code  TEXT NOT NULL REFERENCES policy_topics(code),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (resident_id, topic_code)
);
CREATE INDEX topic_subscriptions_topic_idx ON topic_subscriptions (topic_code, resident_id);
