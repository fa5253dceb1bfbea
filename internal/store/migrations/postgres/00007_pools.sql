-- +goose Up
-- Cultivation pools (培育库): each subject's membership of a pool, with
-- where it stands, and the history of every act on it (invitation,
-- application, each approval step, admission, follow-up notes, graduation,
-- removal). A subject has at most one open membership of a pool.
CREATE TABLE pool_members (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pool        TEXT NOT NULL,
    subject_id  TEXT NOT NULL REFERENCES subjects (id),
    region      TEXT NOT NULL,
    state       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,   -- the whole membership, JSON
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX pool_members_open ON pool_members (pool, subject_id)
    WHERE state IN ('invited', 'applied', 'reviewing', 'admitted');
CREATE INDEX pool_members_pool ON pool_members (pool, state, region);
CREATE INDEX pool_members_subject ON pool_members (subject_id);

CREATE TABLE pool_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id   BIGINT NOT NULL REFERENCES pool_members (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    act         TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    step        TEXT NOT NULL,
    note        TEXT NOT NULL,
    next_steps  TEXT NOT NULL,
    next_date   TEXT NOT NULL
);
CREATE INDEX pool_events_member ON pool_events (member_id);

-- +goose Down
DROP TABLE pool_events;
DROP TABLE pool_members;
