-- Verdict's schema for the whole REST contract. Postgres is the source of truth:
-- Redis only carries work, so every job can be rebuilt from these rows.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One row per analysis job (Jenkins-backed or direct failures).
CREATE TABLE jobs (
    id                  uuid PRIMARY KEY,
    kind                text NOT NULL CHECK (kind IN ('jenkins', 'failures')),
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'waiting', 'running', 'completed', 'failed')),
    phase               text NOT NULL DEFAULT '',
    progress_log        jsonb NOT NULL DEFAULT '[]',
    request_params      jsonb NOT NULL DEFAULT '{}',   -- secrets already stripped
    job_name            text NOT NULL DEFAULT '',
    build_number        integer NOT NULL DEFAULT 0,
    jenkins_url         text NOT NULL DEFAULT '',
    summary             text NOT NULL DEFAULT '',
    error               text NOT NULL DEFAULT '',
    error_code          text NOT NULL DEFAULT '',
    ai_provider         text NOT NULL DEFAULT '',
    ai_model            text NOT NULL DEFAULT '',
    result              jsonb,                         -- the contract's result payload, ready to serve
    failure_count       integer NOT NULL DEFAULT 0,
    attempts            integer NOT NULL DEFAULT 0,
    lease_until         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    analysis_started_at timestamptz,
    completed_at        timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC);
CREATE INDEX jobs_job_name_idx ON jobs (job_name, created_at DESC);
-- The reconciler scans only unfinished jobs.
CREATE INDEX jobs_unfinished_idx ON jobs (status, lease_until)
    WHERE status IN ('pending', 'waiting', 'running');

-- Raw inputs (JSON failure lists, JUnit XML up to 50 MB) live here, compressed, never in Redis.
CREATE TABLE job_inputs (
    job_id       uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    content_type text NOT NULL,
    encoding     text NOT NULL DEFAULT 'zlib',
    size_bytes   bigint NOT NULL,
    payload      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per (job, child scope, signature): the group's classification and evidence.
CREATE TABLE analyses (
    id                 bigserial PRIMARY KEY,
    job_id             uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    child_job_name     text NOT NULL DEFAULT '',
    child_build_number integer NOT NULL DEFAULT 0,
    signature          text NOT NULL,
    classification     text NOT NULL DEFAULT '',
    details            text NOT NULL DEFAULT '',
    evidence           text NOT NULL DEFAULT '',
    code_fix           jsonb,
    product_bug_report jsonb,
    confidence         real NOT NULL DEFAULT 0,
    source             text NOT NULL DEFAULT 'builtin'
                       CHECK (source IN ('ai', 'builtin', 'human', 'history')),
    provider           text NOT NULL DEFAULT '',
    model              text NOT NULL DEFAULT '',
    rule_id            text NOT NULL DEFAULT '',
    reused_from_job    uuid,
    peer_debate        jsonb,
    input_tokens       integer NOT NULL DEFAULT 0,
    output_tokens      integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, child_job_name, child_build_number, signature)
);
-- Reuse looks up the newest confident analysis of a signature.
CREATE INDEX analyses_signature_idx ON analyses (signature, created_at DESC);

-- The history: one row per failing test per build.
CREATE TABLE failures (
    id                 bigserial PRIMARY KEY,
    job_id             uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    analysis_id        bigint REFERENCES analyses (id) ON DELETE SET NULL,
    job_name           text NOT NULL DEFAULT '',
    build_number       integer NOT NULL DEFAULT 0,
    child_job_name     text NOT NULL DEFAULT '',
    child_build_number integer NOT NULL DEFAULT 0,
    test_name          text NOT NULL,
    classname          text NOT NULL DEFAULT '',
    name               text NOT NULL DEFAULT '',
    error_message      text NOT NULL DEFAULT '',
    error_signature    text NOT NULL DEFAULT '',
    classification     text NOT NULL DEFAULT '',
    analyzed_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX failures_job_idx ON failures (job_id);
CREATE INDEX failures_test_idx ON failures (test_name, analyzed_at DESC);
CREATE INDEX failures_signature_idx ON failures (error_signature, analyzed_at DESC);
CREATE INDEX failures_job_name_idx ON failures (job_name, analyzed_at DESC);
CREATE INDEX failures_classification_idx ON failures (classification, analyzed_at DESC);
CREATE INDEX failures_analyzed_idx ON failures (analyzed_at DESC, id DESC);
CREATE INDEX failures_test_trgm_idx ON failures USING gin (test_name gin_trgm_ops);
CREATE INDEX failures_message_trgm_idx ON failures USING gin (error_message gin_trgm_ops);

-- Per build and scope: totals, for real failure rates and flakiness.
CREATE TABLE test_runs (
    id                 bigserial PRIMARY KEY,
    job_id             uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    job_name           text NOT NULL DEFAULT '',
    build_number       integer NOT NULL DEFAULT 0,
    child_job_name     text NOT NULL DEFAULT '',
    child_build_number integer NOT NULL DEFAULT 0,
    total              integer NOT NULL DEFAULT 0,
    passed             integer NOT NULL DEFAULT 0,
    failed             integer NOT NULL DEFAULT 0,
    skipped            integer NOT NULL DEFAULT 0,
    flaky              integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, child_job_name, child_build_number)
);
CREATE INDEX test_runs_job_name_idx ON test_runs (job_name, created_at DESC);

-- Per test outcome where the input says (flaky passes, reruns), for flakiness.
CREATE TABLE test_outcomes (
    job_id             uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    job_name           text NOT NULL DEFAULT '',
    child_job_name     text NOT NULL DEFAULT '',
    child_build_number integer NOT NULL DEFAULT 0,
    test_name          text NOT NULL,
    outcome            text NOT NULL CHECK (outcome IN ('passed', 'failed', 'skipped', 'flaky')),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX test_outcomes_test_idx ON test_outcomes (test_name, job_name, created_at DESC);
CREATE INDEX test_outcomes_job_idx ON test_outcomes (job_id);

CREATE TABLE comments (
    id                 bigserial PRIMARY KEY,
    job_id             uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    test_name          text NOT NULL,
    child_job_name     text NOT NULL DEFAULT '',
    child_build_number integer NOT NULL DEFAULT 0,
    comment            text NOT NULL,
    error_signature    text NOT NULL DEFAULT '',
    username           text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_job_idx ON comments (job_id, id);
CREATE INDEX comments_test_idx ON comments (test_name);
CREATE INDEX comments_signature_idx ON comments (error_signature);

CREATE TABLE reviews (
    job_id             uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    test_name          text NOT NULL,
    child_job_name     text NOT NULL DEFAULT '',
    child_build_number integer NOT NULL DEFAULT 0,
    reviewed           boolean NOT NULL,
    username           text NOT NULL DEFAULT '',
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, child_job_name, child_build_number, test_name)
);

-- Overrides (primary classifications) and history labels (FLAKY, KNOWN_BUG, ...).
CREATE TABLE classifications (
    id                 bigserial PRIMARY KEY,
    kind               text NOT NULL CHECK (kind IN ('primary', 'history')),
    test_name          text NOT NULL,
    job_name           text NOT NULL DEFAULT '',       -- child job name context
    parent_job_name    text NOT NULL DEFAULT '',
    classification     text NOT NULL,
    reason             text NOT NULL DEFAULT '',
    references_info    text NOT NULL DEFAULT '',
    created_by         text NOT NULL DEFAULT '',
    job_id             uuid REFERENCES jobs (id) ON DELETE CASCADE,
    child_build_number integer NOT NULL DEFAULT 0,
    error_signature    text NOT NULL DEFAULT '',
    visible            boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX classifications_test_idx ON classifications (test_name, created_at DESC);
CREATE INDEX classifications_signature_idx ON classifications (error_signature, created_at DESC)
    WHERE kind = 'primary';
CREATE INDEX classifications_job_idx ON classifications (job_id);

CREATE TABLE users (
    id               bigserial PRIMARY KEY,
    username         text NOT NULL UNIQUE,
    role             text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
    api_key_hash     text,                              -- only a hash is ever stored
    github_token_enc bytea,
    jira_email       text NOT NULL DEFAULT '',
    jira_token_enc   bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen        timestamptz
);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id    bigint REFERENCES users (id) ON DELETE CASCADE,
    username   text NOT NULL,
    role       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Scoped API keys for pipelines.
CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    prefix       text NOT NULL,
    key_hash     text NOT NULL UNIQUE,
    scopes       text[] NOT NULL,
    created_by   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE idempotency_keys (
    client      text NOT NULL,
    key         text NOT NULL,
    method      text NOT NULL,
    path        text NOT NULL,
    body_hash   text NOT NULL,
    status      integer,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client, key)
);
CREATE INDEX idempotency_created_idx ON idempotency_keys (created_at);

CREATE TABLE webhook_subscriptions (
    id         bigserial PRIMARY KEY,
    url        text NOT NULL,
    events     text[] NOT NULL,
    secret_enc bytea NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event           text NOT NULL,
    payload         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    last_status     integer,
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_sub_idx ON webhook_deliveries (subscription_id, created_at DESC);

-- Team rules merged over the shipped builtin rules.
CREATE TABLE rules (
    id          text PRIMARY KEY,
    category    text NOT NULL,
    target      text NOT NULL DEFAULT 'any',
    pattern     text NOT NULL,
    explanation text NOT NULL,
    confidence  real NOT NULL,
    enabled     boolean NOT NULL DEFAULT true,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per AI call: tokens and cost, for /api/usage.
CREATE TABLE ai_usage (
    id            bigserial PRIMARY KEY,
    job_id        uuid REFERENCES jobs (id) ON DELETE SET NULL,
    provider      text NOT NULL,
    model         text NOT NULL DEFAULT '',
    purpose       text NOT NULL DEFAULT 'analysis',
    input_tokens  integer NOT NULL DEFAULT 0,
    output_tokens integer NOT NULL DEFAULT 0,
    cost_usd      numeric(12, 6) NOT NULL DEFAULT 0,
    reused        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_usage_created_idx ON ai_usage (created_at);
