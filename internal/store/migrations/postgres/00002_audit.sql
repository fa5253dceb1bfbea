-- +goose Up
-- The append-only audit log: every change, who made it and when, what it
-- was before and after, each entry chained to the previous by its hash
-- (kechuang audit verify checks the chain).
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    before    TEXT NOT NULL,
    after     TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_object ON audit_log (object, seq);

-- +goose Down
DROP TABLE audit_log;
