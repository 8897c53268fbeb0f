-- Results, collaboration and history: an index for every filter and every order the
-- endpoints use, so none of them scans a table. (0001 stays as it was applied.)

-- A job's failures by test and by signature group: comments, reviews, overrides.
CREATE INDEX failures_job_test_idx ON failures (job_id, test_name);
CREATE INDEX failures_job_signature_idx ON failures (job_id, error_signature);
DROP INDEX failures_job_idx;  -- the two above lead with job_id

-- /history/failures orders by (analyzed_at, id) and pages by keyset on that pair.
CREATE INDEX failures_job_name_page_idx ON failures (job_name, analyzed_at DESC, id DESC);
CREATE INDEX failures_classification_page_idx
    ON failures (classification, analyzed_at DESC, id DESC);
DROP INDEX failures_job_name_idx;
DROP INDEX failures_classification_idx;
-- ?search= also matches job_name (test_name and error_message have theirs in 0001).
CREATE INDEX failures_job_name_trgm_idx ON failures USING gin (job_name gin_trgm_ops);
-- /history/test with job_name; /history/stats most common failures (index-only).
CREATE INDEX failures_test_job_idx ON failures (test_name, job_name, analyzed_at DESC);
CREATE INDEX failures_job_name_test_idx ON failures (job_name, test_name, classification);

-- The dashboard and /results page newest first by keyset; /history/stats counts builds.
CREATE INDEX jobs_created_page_idx ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_completed_name_idx ON jobs (job_name, created_at DESC, id DESC)
    WHERE status = 'completed';
-- /ai-configs: distinct provider/model pairs of completed jobs, from the index alone.
CREATE INDEX jobs_ai_config_idx ON jobs (ai_provider, ai_model) WHERE status = 'completed';
-- The dashboard shows how many child jobs a result has without reading the result.
ALTER TABLE jobs ADD COLUMN child_job_count integer GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(result -> 'child_job_analyses') = 'array'
         THEN jsonb_array_length(result -> 'child_job_analyses') ELSE 0 END
) STORED;

-- Per-build totals of the last N builds of a job (failure rates, flip rate).
-- (test_runs is found by job_id through its unique key.)
CREATE INDEX test_outcomes_job_test_idx ON test_outcomes (job_id, test_name);
DROP INDEX test_outcomes_job_idx;

-- Comments: a job's comments newest first, and keyset pages.
CREATE INDEX comments_job_page_idx ON comments (job_id, created_at, id);

-- /history/classifications: visible primary classifications, newest first, per filter.
CREATE INDEX classifications_primary_page_idx ON classifications (created_at DESC, id DESC)
    WHERE kind = 'primary' AND visible;
CREATE INDEX classifications_primary_class_idx
    ON classifications (classification, created_at DESC, id DESC)
    WHERE kind = 'primary' AND visible;
CREATE INDEX classifications_primary_job_name_idx
    ON classifications (job_name, created_at DESC, id DESC)
    WHERE kind = 'primary' AND visible;
CREATE INDEX classifications_primary_parent_idx
    ON classifications (parent_job_name, created_at DESC, id DESC)
    WHERE kind = 'primary' AND visible;
-- Hidden AI-authored labels of a job, revealed when its analysis completes.
CREATE INDEX classifications_hidden_idx ON classifications (job_id) WHERE NOT visible;
