-- History and dashboard at a million rows, second pass (tests/bench/bench_history.py).
-- (0001-0009 stay as they were applied.)

-- ?search= over error messages. A common word ("Connection refused") is in a fifth of
-- all rows: matching it in failures through the trigram index read 200,000 heap rows to
-- count them and to sort them for one page (4 s). As for the names (0009), the distinct
-- messages get a list of their own, matched through its trigram index; failures are
-- then counted and paged by message through a b-tree, from the index alone. Messages
-- can be long (tracebacks): the b-tree and the list key them by md5, as a uuid.
CREATE TABLE history_messages (message_hash uuid NOT NULL, error_message text NOT NULL);
INSERT INTO history_messages (message_hash, error_message)
SELECT md5(error_message)::uuid, error_message
  FROM (SELECT DISTINCT error_message FROM failures) m;
CREATE INDEX history_messages_hash_idx ON history_messages (message_hash);
CREATE INDEX history_messages_trgm_idx ON history_messages
    USING gin (error_message gin_trgm_ops) WITH (fastupdate = off);
ANALYZE history_messages;

-- Count and page by message newest first, from the index alone (an expression index
-- could not answer without the heap): the hash is a column of its own. Test and job
-- name are in the index so the rows also matched by name (counted once) are told
-- apart without the heap too.
ALTER TABLE failures ADD COLUMN error_hash uuid
    GENERATED ALWAYS AS (md5(error_message)::uuid) STORED;
CREATE INDEX failures_message_page_idx
    ON failures (error_hash, analyzed_at DESC, id DESC) INCLUDE (test_name, job_name);
-- The same for the matched test names: a test's failures newest first from the index
-- (a term like "test_case_0" matches 10,000 names). It serves `test_name = $1` too.
CREATE INDEX failures_test_page_idx ON failures (test_name, analyzed_at DESC, id DESC);
DROP INDEX failures_test_idx;
-- The search no longer matches messages in failures.
DROP INDEX failures_message_trgm_idx;

-- Like the name lists (0009): kept by a statement trigger in the writer's transaction;
-- a message twice after two writers race, or one no failure carries any more, changes
-- no answer (the search only looks failures up by it), and no writer waits for another.
CREATE FUNCTION history_messages_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO history_messages (message_hash, error_message)
    SELECT md5(m.error_message)::uuid, m.error_message
      FROM (SELECT DISTINCT error_message FROM added) m
     WHERE NOT EXISTS (SELECT 1 FROM history_messages h
                        WHERE h.message_hash = md5(m.error_message)::uuid);
    RETURN NULL;
END
$$;
CREATE TRIGGER failures_messages_insert AFTER INSERT ON failures
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_messages_add();
CREATE TRIGGER failures_messages_update AFTER UPDATE ON failures
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_messages_add();

-- The dashboard's review and comment counts, kept on the job's row by triggers in the
-- transaction that writes the comment or review. The count of one job is one row: only
-- writers on the same job take turns on it. The row's version (xmin) then changes with
-- every write the dashboard shows, which is what the gateway validates its cache with.
ALTER TABLE jobs ADD COLUMN comment_count integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN reviewed_count integer NOT NULL DEFAULT 0;
UPDATE jobs j SET comment_count = c.n
  FROM (SELECT job_id, count(*) AS n FROM comments GROUP BY job_id) c
 WHERE c.job_id = j.id;
UPDATE jobs j SET reviewed_count = r.n
  FROM (SELECT job_id, count(*) AS n FROM reviews WHERE reviewed GROUP BY job_id) r
 WHERE r.job_id = j.id;

-- Once per statement (a job's deletion cascades to all its comments in one).
-- A job deleted in the same statement (ON DELETE CASCADE) is simply not found.
CREATE FUNCTION jobs_comment_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE jobs j SET comment_count = j.comment_count + d.n
          FROM (SELECT job_id, count(*) AS n FROM added GROUP BY job_id ORDER BY job_id) d
         WHERE j.id = d.job_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE jobs j SET comment_count = j.comment_count - d.n
          FROM (SELECT job_id, count(*) AS n FROM removed GROUP BY job_id ORDER BY job_id) d
         WHERE j.id = d.job_id;
    ELSE
        UPDATE jobs j SET comment_count = j.comment_count + d.n
          FROM (SELECT job_id, sum(n) AS n
                  FROM (SELECT job_id, 1 AS n FROM added
                        UNION ALL SELECT job_id, -1 FROM removed) x
                 GROUP BY job_id HAVING sum(n) <> 0 ORDER BY job_id) d
         WHERE j.id = d.job_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION jobs_comment_count_apply();
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION jobs_comment_count_apply();
CREATE TRIGGER comments_count_update AFTER UPDATE ON comments
    REFERENCING NEW TABLE AS added OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION jobs_comment_count_apply();

CREATE FUNCTION jobs_reviewed_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE jobs j SET reviewed_count = j.reviewed_count + d.n
          FROM (SELECT job_id, count(*) AS n FROM added WHERE reviewed
                 GROUP BY job_id ORDER BY job_id) d
         WHERE j.id = d.job_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE jobs j SET reviewed_count = j.reviewed_count - d.n
          FROM (SELECT job_id, count(*) AS n FROM removed WHERE reviewed
                 GROUP BY job_id ORDER BY job_id) d
         WHERE j.id = d.job_id;
    ELSE
        UPDATE jobs j SET reviewed_count = j.reviewed_count + d.n
          FROM (SELECT job_id, sum(n) AS n
                  FROM (SELECT job_id, 1 AS n FROM added WHERE reviewed
                        UNION ALL SELECT job_id, -1 FROM removed WHERE reviewed) x
                 GROUP BY job_id HAVING sum(n) <> 0 ORDER BY job_id) d
         WHERE j.id = d.job_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER reviews_count_insert AFTER INSERT ON reviews
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION jobs_reviewed_count_apply();
CREATE TRIGGER reviews_count_delete AFTER DELETE ON reviews
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION jobs_reviewed_count_apply();
CREATE TRIGGER reviews_count_update AFTER UPDATE ON reviews
    REFERENCING NEW TABLE AS added OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION jobs_reviewed_count_apply();

-- /history/stats/{job}: a version per job name, raised by triggers in the transaction of
-- every write its statistics read (the job name's jobs, failures, test_runs and
-- test_outcomes). The gateway keeps a job name's statistics with the version it read
-- them at and sends them again only while the version is unchanged. A committed
-- counter, not a sequence: a sequence value is taken before its transaction commits.
-- One row per job name: only writers of the same job name (saving builds of the same
-- pipeline) take turns on it, for the rest of their transaction; names are raised in
-- sorted order, so two writers cannot deadlock on them.
CREATE TABLE history_job_versions (
    job_name text PRIMARY KEY,
    version  bigint NOT NULL DEFAULT 1
);

CREATE FUNCTION history_job_versions_raise(names text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO history_job_versions AS v (job_name)
    SELECT DISTINCT n FROM unnest(names) n WHERE n IS NOT NULL ORDER BY n
    ON CONFLICT (job_name) DO UPDATE SET version = v.version + 1;
$$;

-- failures, test_runs and test_outcomes carry the job name.
CREATE FUNCTION history_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM history_job_versions_raise(ARRAY(SELECT DISTINCT job_name FROM added));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM history_job_versions_raise(ARRAY(SELECT DISTINCT job_name FROM removed));
    ELSE
        PERFORM history_job_versions_raise(ARRAY(
            SELECT job_name FROM added UNION SELECT job_name FROM removed));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER failures_version_insert AFTER INSERT ON failures
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER failures_version_delete AFTER DELETE ON failures
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER failures_version_update AFTER UPDATE ON failures
    REFERENCING NEW TABLE AS added OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER test_runs_version_insert AFTER INSERT ON test_runs
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER test_runs_version_delete AFTER DELETE ON test_runs
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER test_runs_version_update AFTER UPDATE ON test_runs
    REFERENCING NEW TABLE AS added OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER test_outcomes_version_insert AFTER INSERT ON test_outcomes
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER test_outcomes_version_delete AFTER DELETE ON test_outcomes
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();
CREATE TRIGGER test_outcomes_version_update AFTER UPDATE ON test_outcomes
    REFERENCING NEW TABLE AS added OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION history_rows_changed();

-- jobs: only what the statistics read (status, name, order, failure count, completion);
-- a running job's progress updates and the comment counts raise nothing.
CREATE FUNCTION history_jobs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM history_job_versions_raise(ARRAY(
            SELECT DISTINCT job_name FROM added WHERE status = 'completed'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM history_job_versions_raise(ARRAY(SELECT DISTINCT job_name FROM removed));
    ELSE
        PERFORM history_job_versions_raise(ARRAY(
            SELECT o.job_name FROM removed o JOIN added n ON n.id = o.id
             WHERE (n.status, n.job_name, n.created_at, n.failure_count, n.completed_at)
                   IS DISTINCT FROM
                   (o.status, o.job_name, o.created_at, o.failure_count, o.completed_at)
            UNION
            SELECT n.job_name FROM removed o JOIN added n ON n.id = o.id
             WHERE (n.status, n.job_name, n.created_at, n.failure_count, n.completed_at)
                   IS DISTINCT FROM
                   (o.status, o.job_name, o.created_at, o.failure_count, o.completed_at)));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_version_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_jobs_changed();
CREATE TRIGGER jobs_version_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION history_jobs_changed();
CREATE TRIGGER jobs_version_update AFTER UPDATE ON jobs
    REFERENCING NEW TABLE AS added OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION history_jobs_changed();
