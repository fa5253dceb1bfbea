-- +goose Up
-- Fulfilment (申报兑现): the route and workflow the bureau configures per
-- clause or document, the cases on their way to payment with their history
-- and the notifications they send, budget envelopes, disbursement batches
-- with the allocation each made, and the ledger of payments — each with a
-- unique idempotency key, undone only by a compensating entry.
CREATE TABLE fulfil_settings (
    scope      TEXT PRIMARY KEY, -- clause:<id> or doc:<id>
    route      TEXT NOT NULL,    -- auto (免申即享), apply (申报)
    workflow   TEXT NOT NULL,    -- JSON
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE cases (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clause_id   TEXT NOT NULL,
    subject_id  TEXT NOT NULL REFERENCES subjects (id),
    event       TEXT NOT NULL,
    period      INTEGER NOT NULL,
    fy          INTEGER NOT NULL,
    stack_key   TEXT NOT NULL,
    route       TEXT NOT NULL,
    step        TEXT NOT NULL,   -- the step it waits for
    stage       INTEGER NOT NULL, -- the step's place in 提交…拨付 (0–5)
    status      TEXT NOT NULL,
    region      TEXT NOT NULL,
    payer       TEXT NOT NULL,
    due         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,   -- the whole case, JSON
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (clause_id, subject_id, event, period)
);
CREATE INDEX cases_queue ON cases (status, step, region);
CREATE INDEX cases_subject ON cases (subject_id);
CREATE INDEX cases_clause_fy ON cases (clause_id, fy);

CREATE TABLE case_history (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id   BIGINT  NOT NULL REFERENCES cases (id),
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    from_step TEXT NOT NULL,
    to_step   TEXT NOT NULL,
    status    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    note      TEXT NOT NULL
);
CREATE INDEX case_history_case ON case_history (case_id, id);

CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id TEXT NOT NULL,
    case_id    BIGINT  NOT NULL,
    at         TEXT NOT NULL,
    text       TEXT NOT NULL,
    seen       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_subject ON notifications (subject_id, id);

CREATE TABLE envelopes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    payer      TEXT NOT NULL,
    year       INTEGER NOT NULL,
    clause_id  TEXT NOT NULL,
    tag        TEXT NOT NULL,
    fen        BIGINT  NOT NULL,
    rule       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (payer, year, clause_id, tag)
);

CREATE TABLE batches (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payer        TEXT NOT NULL,
    year         INTEGER NOT NULL,
    state        TEXT NOT NULL, -- open (sent to finance), confirmed
    count        INTEGER NOT NULL,
    fen          BIGINT  NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    confirmed_by TEXT NOT NULL DEFAULT '',
    confirmed_at TEXT NOT NULL DEFAULT ''
);

-- What a batch's allocation did to each case it considered, and why.
CREATE TABLE allotments (
    batch_id    BIGINT  NOT NULL REFERENCES batches (id),
    case_id     BIGINT  NOT NULL REFERENCES cases (id),
    envelope_id BIGINT  NOT NULL,
    year        INTEGER NOT NULL,
    asked       BIGINT  NOT NULL,
    granted     BIGINT  NOT NULL,
    outcome     TEXT NOT NULL,
    why         TEXT NOT NULL,
    PRIMARY KEY (batch_id, case_id, year)
);

CREATE TABLE payments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pay_key      TEXT NOT NULL UNIQUE,
    case_id      BIGINT  NOT NULL REFERENCES cases (id),
    batch_id     BIGINT  NOT NULL, -- 0: a reversal, outside any batch
    envelope_id  BIGINT  NOT NULL,
    subject_id   TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    uscc         TEXT NOT NULL,
    clause_id    TEXT NOT NULL,
    payer        TEXT NOT NULL,
    year         INTEGER NOT NULL,
    fen          BIGINT  NOT NULL,
    kind         TEXT NOT NULL, -- payment, reversal
    reverses     BIGINT  NOT NULL,
    state        TEXT NOT NULL, -- batched, paid
    stack_key    TEXT NOT NULL,
    note         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    paid_at      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX payments_batch ON payments (batch_id);
CREATE INDEX payments_case ON payments (case_id);
CREATE INDEX payments_stack ON payments (stack_key);
CREATE INDEX payments_envelope ON payments (envelope_id);

-- +goose Down
DROP TABLE payments;
DROP TABLE allotments;
DROP TABLE batches;
DROP TABLE envelopes;
DROP TABLE notifications;
DROP TABLE case_history;
DROP TABLE cases;
DROP TABLE fulfil_settings;
