-- +goose Up
-- The policy library in force: the version every evaluation uses until an
-- upload (kechuang policy upload) activates another. One row.
CREATE TABLE policy_active (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    version      INTEGER NOT NULL REFERENCES policy_versions (version),
    activated_by TEXT NOT NULL,
    activated_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE policy_active;
