-- Service guides: categories, drafts, immutable published versions, and the
-- change feed every instance follows to keep its catalogue current.

CREATE TABLE guide_categories (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    audience   TEXT NOT NULL CHECK (audience IN ('personal', 'legal', 'both')),
    sort_order INTEGER NOT NULL DEFAULT 0
);

INSERT INTO guide_categories (code, name, audience, sort_order) VALUES
    ('hukou', '户籍', 'personal', 10),
    ('shebao', '社保', 'personal', 20),
    ('jiuye', '就业创业', 'personal', 30),
    ('gongjijin', '公积金', 'personal', 40),
    ('budongchan', '不动产', 'both', 50),
    ('jiaoyu', '教育', 'personal', 60),
    ('yiliao', '医疗', 'both', 70),
    ('hunyu', '婚育', 'personal', 80),
    ('minzheng', '民政', 'personal', 90),
    ('jiaotong', '交通出行', 'both', 100),
    ('qiyekaiban', '企业开办', 'legal', 110),
    ('xuke', '经营许可', 'legal', 120),
    ('shuiwu', '税务', 'both', 130);

CREATE TABLE guides (
    id                BIGSERIAL PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
    draft             TEXT NOT NULL,
    draft_dirty       BOOLEAN NOT NULL DEFAULT TRUE,
    revision          INTEGER NOT NULL DEFAULT 1,
    published_version INTEGER NOT NULL DEFAULT 0,
    department_id     BIGINT REFERENCES departments(id),
    created_by        BIGINT,
    updated_by        BIGINT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    published_at      TIMESTAMPTZ
);
CREATE INDEX guides_status_idx ON guides (status, code);

CREATE TABLE guide_versions (
    guide_id     BIGINT NOT NULL REFERENCES guides(id),
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by BIGINT,
    PRIMARY KEY (guide_id, version)
);

CREATE TABLE guide_changes (
    seq        BIGSERIAL PRIMARY KEY,
    code       TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX guide_changes_changed_idx ON guide_changes (changed_at);
