-- Credentials a request supplied for its own job (jira_api_token, github_token, ...):
-- never in request_params, kept encrypted only until the job has used them.
CREATE TABLE job_secrets (
    job_id     uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    payload    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
