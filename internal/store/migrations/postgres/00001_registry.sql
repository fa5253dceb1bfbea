-- +goose Up
-- Subjects (主体) and every version of their facts: a correction adds a version,
-- it never overwrites one. Times are RFC 3339 UTC text in both engines.
CREATE TABLE subjects (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    uscc            TEXT NOT NULL DEFAULT '',
    region          TEXT NOT NULL,
    industry        TEXT NOT NULL DEFAULT '',
    current_version INTEGER NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX subjects_region ON subjects (region);

CREATE TABLE fact_versions (
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    version    INTEGER NOT NULL,
    facts      TEXT NOT NULL,
    source     TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (subject_id, version)
);

-- The policy library, versioned: each version holds every file (YAML and
-- source texts) as it passed `kechuang check`.
CREATE TABLE policy_versions (
    version    INTEGER PRIMARY KEY,
    checksum   TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE policy_files (
    version INTEGER NOT NULL REFERENCES policy_versions (version),
    path    TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (version, path)
);

-- Every evaluation records the facts and the policy version it used.
CREATE TABLE evaluations (
    id             BIGSERIAL PRIMARY KEY,
    subject_id     TEXT NOT NULL,
    fact_version   INTEGER NOT NULL,
    policy_version INTEGER NOT NULL REFERENCES policy_versions (version),
    at             TEXT NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    report         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    FOREIGN KEY (subject_id, fact_version) REFERENCES fact_versions (subject_id, version)
);
CREATE INDEX evaluations_subject ON evaluations (subject_id, id);

-- +goose Down
DROP TABLE evaluations;
DROP TABLE policy_files;
DROP TABLE policy_versions;
DROP TABLE fact_versions;
DROP TABLE subjects;
