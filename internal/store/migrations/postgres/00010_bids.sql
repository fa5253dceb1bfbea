-- +goose Up
-- 揭榜 bids: one per challenge and lead unit, as a document with what the
-- submission check found (the indirect-cost ceiling, the award).
CREATE TABLE bids (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    challenge_id BIGINT NOT NULL REFERENCES challenges (id),
    subject_id   TEXT NOT NULL REFERENCES subjects (id),
    doc          TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    UNIQUE (challenge_id, subject_id)
);

-- +goose Down
DROP TABLE bids;
