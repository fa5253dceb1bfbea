-- +goose Up
-- Population runs split into shards that worker processes claim (a lease
-- that expires when a worker dies), with results written per shard.
CREATE TABLE match_runs (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    policy_version INTEGER NOT NULL REFERENCES policy_versions (version),
    at             TEXT NOT NULL,   -- YYYY-MM-DD, or '' for each subject's as_of
    fy             INTEGER NOT NULL, -- 0: the year of the date
    shards         INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE match_shards (
    run_id      BIGINT NOT NULL REFERENCES match_runs (id),
    shard       INTEGER NOT NULL,
    from_id     TEXT NOT NULL,   -- subjects with from_id <= id < before_id ('' unbounded)
    before_id   TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending', -- pending, running, done
    worker      TEXT NOT NULL DEFAULT '',
    lease_until TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    subjects    INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, shard)
);

CREATE TABLE match_results (
    run_id      BIGINT NOT NULL REFERENCES match_runs (id),
    shard       INTEGER NOT NULL,
    subject_id  TEXT NOT NULL,
    clause_id   TEXT NOT NULL,
    outcome     TEXT NOT NULL,   -- entitled, needs_facts
    region      TEXT NOT NULL,
    fy          INTEGER NOT NULL,
    min_fen     BIGINT NOT NULL,
    max_fen     BIGINT NOT NULL,
    open        INTEGER NOT NULL,
    unspecified INTEGER NOT NULL,
    PRIMARY KEY (run_id, subject_id, clause_id)
);
CREATE INDEX match_results_shard ON match_results (run_id, shard);

-- +goose Down
DROP TABLE match_results;
DROP TABLE match_shards;
DROP TABLE match_runs;
