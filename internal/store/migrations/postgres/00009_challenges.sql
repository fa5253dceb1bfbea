-- +goose Up
-- 揭榜挂帅 challenge lists: each challenge as a document with its state
-- and version, and the history of every act on it (publication, questions
-- and answers, withdrawal, closing).
CREATE TABLE challenges (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region      TEXT NOT NULL,
    state       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX challenges_region ON challenges (region, state);

CREATE TABLE challenge_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    challenge_id BIGINT NOT NULL REFERENCES challenges (id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    act          TEXT NOT NULL,
    text         TEXT NOT NULL
);
CREATE INDEX challenge_events_challenge ON challenge_events (challenge_id);

-- +goose Down
DROP TABLE challenge_events;
DROP TABLE challenges;
