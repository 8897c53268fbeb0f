"""Statistics over the failure history: one test's record (/history/test) and a job
name's statistics (/history/stats), each in one round trip, computed by Postgres.
"""

from __future__ import annotations

import uuid

import asyncpg

from verdict.storage.pool import Conn

# --- one test -------------------------------------------------------------------------

# /history/test in one round trip. $1 test name, $2 job name or '' for any, $3 a job to
# leave out or null, $4 recent runs to return, $5 related comments to return, $6 the
# flakiness window (builds).
#  - summary: builds and rows with a failure of the test, first and last seen, the
#    failures per classification;
#  - recent_runs (JSON, newest first) and the classification of the newest;
#  - builds_run: builds with stored totals of the job(s) the test fails in (`$2`, or every
#    job it failed in); without totals, a named job's completed builds; else null;
#  - comments (JSON, newest first) on the test or on the signatures of its recent runs;
#  - the flakiness window: the last $6 completed builds of `$2` or of the job of the
#    test's newest failure, the positions (0 the newest) where it failed, and how many
#    of them it passed on a retry.
select_test_history = """
with f as materialized (
    select id, job_id, job_name, build_number, error_message, error_signature,
           classification, child_job_name, child_build_number, analyzed_at
      from failures
     where test_name = $1 and ($2::text = '' or job_name = $2)
       and ($3::uuid is null or job_id <> $3)
),
recent as (select * from f order by analyzed_at desc, id desc limit $4),
names as (
    select case when $2 <> '' then array[$2::text]
                else (select array_agg(distinct job_name) from f) end as names
),
with_totals as (
    select count(distinct tr.job_id)::int as n from test_runs tr, names
     where tr.job_name = any(names.names)
       and ($3::uuid is null or tr.job_id <> $3)
),
completed as (
    select count(*)::int as n from jobs
     where $2 <> '' and job_name = $2 and status = 'completed'
       and ($3::uuid is null or id <> $3)
),
signatures as (
    select array_agg(distinct error_signature) as s from recent where error_signature <> ''
),
related as (
    select c.id, c.comment, c.username, c.created_at from comments c, signatures
     where (c.test_name = $1 or c.error_signature = any(signatures.s))
       and ($3::uuid is null or c.job_id <> $3)
     order by c.created_at desc, c.id desc limit $5
),
window_job as (
    select case when $2 <> '' then $2::text
                else (select job_name from recent order by analyzed_at desc, id desc
                       limit 1) end as name
),
win as (
    select id, (row_number() over (order by created_at desc, id desc) - 1)::int as pos
      from (select id, created_at from jobs
             where job_name = (select name from window_job) and status = 'completed'
               and ($3::uuid is null or id <> $3)
             order by created_at desc, id desc limit $6) w
)
select (select count(distinct job_id) from f)::int as failed_builds,
       (select count(*) from f)::int as failure_rows,
       (select min(analyzed_at) from f) as first_seen,
       (select max(analyzed_at) from f) as last_seen,
       (select coalesce(jsonb_object_agg(classification, n), '{}'::jsonb)
          from (select classification, count(*) as n from f
                 where classification <> '' group by classification) c)::text
           as classifications,
       (select coalesce(json_agg(json_build_object(
                   'job_id', job_id::text, 'job_name', job_name,
                   'build_number', build_number, 'error_message', error_message,
                   'error_signature', error_signature, 'classification', classification,
                   'child_job_name', child_job_name, 'child_build_number', child_build_number,
                   'analyzed_at', to_char(analyzed_at at time zone 'UTC',
                                          'YYYY-MM-DD HH24:MI:SS'))
                   order by analyzed_at desc, id desc), '[]')
          from recent)::text as recent_runs,
       (select classification from recent order by analyzed_at desc, id desc limit 1)
           as last_classification,
       case when coalesce(cardinality((select names from names)), 0) = 0 then null
            when (select n from with_totals) > 0 then (select n from with_totals)
            when $2 <> '' then (select n from completed)
       end as builds_run,
       (select coalesce(json_agg(json_build_object(
                   'comment', comment, 'username', username,
                   'created_at', to_char(created_at at time zone 'UTC',
                                         'YYYY-MM-DD HH24:MI:SS'))
                   order by created_at desc, id desc), '[]')
          from related)::text as comments,
       (select name from window_job) as window_job,
       (select count(*) from win)::int as window_builds,
       coalesce((select array_agg(distinct w.pos) from failures x join win w on w.id = x.job_id
                  where x.test_name = $1), '{}') as failed_positions,
       (select count(distinct o.job_id) from test_outcomes o join win w on w.id = o.job_id
         where o.test_name = $1 and o.outcome = 'flaky')::int as retry_passes
"""


async def test_history(
    conn: Conn,
    test_name: str,
    job_name: str,
    exclude: uuid.UUID | None,
    *,
    recent: int,
    comments: int,
    window: int,
) -> asyncpg.Record:
    """One test's record (see select_test_history); JSON columns come as text."""
    row: asyncpg.Record | None = await conn.fetchrow(
        select_test_history, test_name, job_name, exclude, recent, comments, window
    )
    assert row is not None
    return row


# --- flakiness over the last N builds of a job -----------------------------------------

# The window: the job's last N completed builds, position 0 the newest.
_window = """
with win as (
    select id, (row_number() over (order by created_at desc, id desc) - 1)::int as pos
      from (select id, created_at from jobs
             where job_name = $1 and status = 'completed'
               and ($2::uuid is null or id <> $2)
             order by created_at desc, id desc limit $3) w
)
"""
# The same formulas as verdict.history.flakiness, for every test failing in the window,
# without sorting its rows: a test's failed positions are a bit string (bit p set when
# it failed in build p, 0 the newest; windows are at most 100 builds), so its failed
# builds are the bits set, and its flips the positions 1..N-1 whose bit differs from the
# one before: the bits set in (m xor m >> 1) within that range.
_flaky_ctes = """,
n as (
    select count(*)::int as builds,
           -- bits 1 .. N-1
           (~repeat('0', 128)::bit(128) << (128 - count(*)::int))
           & (~repeat('0', 128)::bit(128) >> 1) as inner_bits
      from win
),
masks as (
    select f.test_name, bit_or(set_bit(repeat('0', 128)::bit(128), w.pos, 1)) as m
      from failures f join win w on w.id = f.job_id
     group by f.test_name
),
per_test as (
    select test_name, bit_count(m)::int as failed_builds,
           bit_count((m # (m >> 1)) & (select inner_bits from n))::int as flips
      from masks
),
retries as (select o.test_name, count(distinct o.job_id)::int as retry_passes
              from test_outcomes o join win w on w.id = o.job_id
             where o.outcome = 'flaky' group by o.test_name),
scored as (select coalesce(p.test_name, r.test_name) as test_name,
                  coalesce(p.failed_builds, 0) as failed_builds, coalesce(p.flips, 0) as flips,
                  coalesce(r.retry_passes, 0) as retry_passes
             from per_test p full join retries r on r.test_name = p.test_name),
ranked as (
    select s.test_name, s.failed_builds, s.flips, s.retry_passes, n.builds,
           case when n.builds >= 2 then round(s.flips::numeric / (n.builds - 1), 4)::float8
                else 0.0 end as flip_rate,
           case when s.retry_passes + s.failed_builds > 0
                then round(s.retry_passes::numeric
                           / (s.retry_passes + s.failed_builds), 4)::float8
                else 0.0 end as pass_on_retry_rate,
           row_number() over (order by greatest(
               case when n.builds >= 2 then s.flips::float8 / (n.builds - 1) else 0 end,
               case when s.retry_passes + s.failed_builds > 0
                    then s.retry_passes::float8 / (s.retry_passes + s.failed_builds)
                    else 0 end) desc, s.test_name) as ordinal
      from scored s cross join n
)"""


# --- one job name ---------------------------------------------------------------------

# /history/stats in one round trip. $1 job name, $2 job to leave out or null, $3 window
# (builds), $4 flaky tests to return, $5 trend window (days), $6 most common failures.
select_job_stats = (
    _window
    + _flaky_ctes
    + """,
builds as (
    select count(*)::int as total_builds,
           count(*) filter (where failure_count > 0)::int as builds_with_failures,
           count(*) filter (where failure_count > 0
                            and completed_at >= now() - make_interval(days => $5))::int as recent,
           count(*) filter (where failure_count > 0
                            and completed_at >= now() - make_interval(days => 2 * $5)
                            and completed_at < now() - make_interval(days => $5))::int as previous
      from jobs
     where job_name = $1 and status = 'completed' and ($2::uuid is null or id <> $2)
),
common as (
    select test_name, count(*) as count, classification from failures
     where job_name = $1 and ($2::uuid is null or job_id <> $2)
     group by test_name, classification
     order by count desc, test_name limit $6
),
totals as (
    select coalesce(sum(tr.total), 0)::bigint as total,
           coalesce(sum(tr.passed), 0)::bigint as passed,
           coalesce(sum(tr.failed), 0)::bigint as failed,
           coalesce(sum(tr.skipped), 0)::bigint as skipped,
           count(distinct tr.job_id)::int as builds
      from test_runs tr
     where tr.job_name = $1 and ($2::uuid is null or tr.job_id <> $2)
)
select b.total_builds, b.builds_with_failures, b.recent, b.previous,
       (select version from history_job_versions where job_name = $1) as version,
       t.total, t.passed, t.failed, t.skipped, t.builds,
       (select coalesce(json_agg(json_build_object(
                   'test_name', c.test_name, 'count', c.count,
                   'classification', c.classification)
                   order by c.count desc, c.test_name), '[]')
          from common c)::text as most_common,
       (select coalesce(json_agg(json_build_object(
                   'test_name', f.test_name, 'builds', f.builds,
                   'failed_builds', f.failed_builds, 'flips', f.flips,
                   'flip_rate', f.flip_rate, 'retry_passes', f.retry_passes,
                   'pass_on_retry_rate', f.pass_on_retry_rate) order by f.ordinal), '[]')
          from ranked f where f.ordinal <= $4)::text as flaky
  from builds b cross join totals t
"""
)


# What a job name's statistics were read at (history_job_versions, migration 0010: raised
# in the transaction of every write they read, null before the first), and the two
# counts that move with the clock alone (the trend). $1 job name, $2 job to leave out
# or null, $3 trend window (days).
select_job_stats_version = """
select (select version from history_job_versions where job_name = $1) as version,
       count(*) filter (where failure_count > 0
                        and completed_at >= now() - make_interval(days => $3))::int as recent,
       count(*) filter (where failure_count > 0
                        and completed_at >= now() - make_interval(days => 2 * $3)
                        and completed_at < now() - make_interval(days => $3))::int as previous
  from jobs
 where job_name = $1 and status = 'completed' and ($2::uuid is null or id <> $2)
"""


async def job_stats_version(
    conn: Conn, job_name: str, exclude: uuid.UUID | None, *, trend_days: int
) -> asyncpg.Record:
    """The `version` of the job name's statistics now, and their `recent`/`previous`."""
    row: asyncpg.Record | None = await conn.fetchrow(
        select_job_stats_version, job_name, exclude, trend_days
    )
    assert row is not None
    return row


async def job_stats(
    conn: Conn,
    job_name: str,
    exclude: uuid.UUID | None,
    *,
    window: int,
    flaky: int,
    trend_days: int,
    most_common: int,
) -> asyncpg.Record:
    """Builds, trend counts, totals, the most common failures (`most_common`, a JSON
    array, ready to send) and the `flaky` tests of the last `window` builds ranked by
    flip rate or pass-on-retry rate, whichever is higher (a JSON array); `version`, as
    job_stats_version has it, in the same snapshot."""
    row: asyncpg.Record | None = await conn.fetchrow(
        select_job_stats, job_name, exclude, window, flaky, trend_days, most_common
    )
    assert row is not None
    return row
