-- History search at a million rows (tests/bench/bench_history.py).
--
-- `?search=` matches test_name, error_message or job_name with ILIKE '%term%'. Test and
-- job names repeat across builds and share most of their trigrams ("test", "case",
-- "suite", the team prefix), so the trigram index on failures.test_name reads posting
-- lists of a million rows for any term: 17 ms for one test name. The distinct names are
-- few (50,000 tests, 200 jobs in the bench), so the search matches the names here with
-- their own trigram index and then reads failures by name through the b-tree indexes.
--
-- The name lists are kept by a trigger in the transaction that writes the failures.
-- They may hold a name no failure carries any more (after a job is deleted) or, after
-- two writers race, a name twice: the search only uses them to look failures up by
-- name, so neither changes an answer, and no writer ever waits on another for them.
CREATE TABLE history_test_names (test_name text NOT NULL);
CREATE TABLE history_job_names (job_name text NOT NULL);
INSERT INTO history_test_names (test_name) SELECT DISTINCT test_name FROM failures;
INSERT INTO history_job_names (job_name) SELECT DISTINCT job_name FROM failures;
CREATE INDEX history_test_names_idx ON history_test_names (test_name);
CREATE INDEX history_job_names_idx ON history_job_names (job_name);
-- New names are rare: no pending list, which every search would have to read through.
CREATE INDEX history_test_names_trgm_idx ON history_test_names
    USING gin (test_name gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX history_job_names_trgm_idx ON history_job_names
    USING gin (job_name gin_trgm_ops) WITH (fastupdate = off);
ANALYZE history_test_names;
ANALYZE history_job_names;

CREATE FUNCTION history_names_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO history_test_names (test_name)
    SELECT DISTINCT a.test_name FROM added a
     WHERE NOT EXISTS (SELECT 1 FROM history_test_names n WHERE n.test_name = a.test_name);
    INSERT INTO history_job_names (job_name)
    SELECT DISTINCT a.job_name FROM added a
     WHERE NOT EXISTS (SELECT 1 FROM history_job_names n WHERE n.job_name = a.job_name);
    RETURN NULL;
END
$$;
-- Once per statement (a COPY of a whole report is one), not once per row.
CREATE TRIGGER failures_names_insert AFTER INSERT ON failures
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_names_add();
CREATE TRIGGER failures_names_update AFTER UPDATE ON failures
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION history_names_add();

-- The search reads these instead; the failures table no longer pays for them on write.
DROP INDEX failures_test_trgm_idx;
DROP INDEX failures_job_name_trgm_idx;

-- /history/stats and /history/test read a job name's completed builds (counts, failure
-- builds, the trend, the flakiness window) and its stored totals from the indexes alone.
CREATE INDEX jobs_completed_name_cover_idx ON jobs (job_name, created_at DESC, id DESC)
    INCLUDE (failure_count, completed_at) WHERE status = 'completed';
DROP INDEX jobs_completed_name_idx;  -- the one above has the same keys
CREATE INDEX test_runs_job_name_cover_idx ON test_runs (job_name)
    INCLUDE (job_id, total, passed, failed, skipped);
