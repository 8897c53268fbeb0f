-- Learned triage models retrained on human overrides (`verdict retrain`, nightly cron).
-- The model is plain JSON (vocabulary, idf, weights, calibration): no pickles.
CREATE TABLE triage_models (
    id          bigserial PRIMARY KEY,
    trained_on  integer NOT NULL,          -- rows: shipped corpus + rule examples + overrides
    overrides   integer NOT NULL,          -- of which human overrides
    model       jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Team rules may require named groups to be equal (RE2 has no backreferences).
ALTER TABLE rules ADD COLUMN equal_groups text[] NOT NULL DEFAULT '{}';
