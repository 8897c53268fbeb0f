-- Large outputs of a job (the enriched JUnit XML), compressed and kept apart from
-- jobs.result, so the analyzer streams them out without holding them twice and
-- reads of results that do not need them stay small.
CREATE TABLE job_outputs (
    job_id     uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name       text NOT NULL,
    encoding   text NOT NULL DEFAULT 'zlib',
    size_bytes bigint NOT NULL,
    payload    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, name)
);
