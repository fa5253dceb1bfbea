-- +goose Up
-- Indicator values (监测评价): every value entered or imported for an
-- indicator of the registry, a region and a reference year, with its
-- source, vintage (preliminary or final) and who entered it. Nothing is
-- overwritten: a correction is a new row, and the latest row of the best
-- vintage is the value in force.
CREATE TABLE indicator_values (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    indicator   TEXT NOT NULL,
    region      TEXT NOT NULL,   -- GB/T 2260
    period      INTEGER NOT NULL, -- the reference year
    value       TEXT NOT NULL,   -- decimal, in the indicator's unit
    source      TEXT NOT NULL,   -- who published it (统计公报, 财政决算 …)
    vintage     TEXT NOT NULL,   -- preliminary, final
    entered_by  TEXT NOT NULL,
    entered_at  TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX indicator_values_key ON indicator_values (indicator, region, period);

-- +goose Down
DROP TABLE indicator_values;
