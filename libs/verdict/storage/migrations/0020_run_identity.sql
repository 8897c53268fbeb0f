-- Run identity on every job: which pipeline run a report came from (POST /analyze-failures'
-- job_name, build_number, run_id, branch, commit, pull_request, run_url, ci, labels; a
-- Jenkins build's own identity maps onto the same columns). job_name and build_number
-- were there already.
ALTER TABLE jobs
    ADD COLUMN run_id       text NOT NULL DEFAULT '',
    ADD COLUMN branch       text NOT NULL DEFAULT '',
    ADD COLUMN commit_sha   text NOT NULL DEFAULT '',
    ADD COLUMN pull_request integer CHECK (pull_request > 0),
    ADD COLUMN run_url      text NOT NULL DEFAULT '',
    ADD COLUMN ci           text NOT NULL DEFAULT ''
        CHECK (ci IN ('', 'github-actions', 'gitlab', 'jenkins', 'buildkite', 'circleci',
                      'azure', 'other')),
    ADD COLUMN labels       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object');

-- The run a job belongs to, within its job name: its build number, else its run id, else
-- the job itself (an upload without either is a run of its own). Two jobs with the same
-- (job_name, run_key) are the same run uploaded twice: history counts it once.
ALTER TABLE jobs ADD COLUMN run_key text GENERATED ALWAYS AS (
    CASE WHEN build_number > 0 THEN 'build:' || build_number
         WHEN run_id <> '' THEN 'run:' || run_id
         ELSE 'job:' || id::text END
) STORED;

-- Jobs from Jenkins builds say so (older rows: every 'jenkins' job).
UPDATE jobs SET ci = 'jenkins' WHERE kind = 'jenkins';

-- GitHub workflow runs taken by the inbound webhook are jobs of their own origin.
ALTER TABLE jobs DROP CONSTRAINT jobs_triggered_by_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_triggered_by_check
    CHECK (triggered_by IN ('api', 'webhook', 'github'));

-- The filters of /results, /api/dashboard and /history/*, newest first within each.
CREATE INDEX jobs_branch_idx ON jobs (branch, created_at DESC, id DESC) WHERE branch <> '';
-- text_pattern_ops: a short sha finds the commits it starts (LIKE 'abc123%').
CREATE INDEX jobs_commit_idx ON jobs (commit_sha text_pattern_ops) WHERE commit_sha <> '';
CREATE INDEX jobs_pull_request_idx ON jobs (pull_request, created_at DESC, id DESC)
    WHERE pull_request IS NOT NULL;
CREATE INDEX jobs_ci_idx ON jobs (ci, created_at DESC, id DESC) WHERE ci <> '';
CREATE INDEX jobs_run_id_idx ON jobs (run_id) WHERE run_id <> '';
-- label=key (presence) and label=key:value (containment) both use jsonb_ops.
CREATE INDEX jobs_labels_idx ON jobs USING gin (labels) WHERE labels <> '{}';
-- "Seen on the base branch": a signature's failures in the base branch's jobs.
CREATE INDEX jobs_name_branch_idx ON jobs (job_name, branch) WHERE status = 'completed';
