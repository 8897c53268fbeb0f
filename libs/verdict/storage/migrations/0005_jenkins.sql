-- Jenkins-backed jobs: where a job came from, so the Jenkins webhook queues one
-- analysis per build however often Jenkins notifies (COMPLETED, then FINALIZED).
ALTER TABLE jobs ADD COLUMN triggered_by text NOT NULL DEFAULT 'api'
    CHECK (triggered_by IN ('api', 'webhook'));
CREATE UNIQUE INDEX jobs_webhook_build_uidx ON jobs (job_name, build_number)
    WHERE triggered_by = 'webhook';
