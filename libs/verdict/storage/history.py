"""The failure history: searching it, one test's record, a job's statistics, labels.

Every query is bounded by an index and a limit; aggregates are computed by Postgres.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from verdict.history.cursor import PageRequest
from verdict.storage.pool import Conn

# One row of /history/failures as the contract writes it (ids as text, timestamps as
# "YYYY-MM-DD HH:MM:SS" UTC), built by Postgres so a page is never decoded in Python.
_failure_json = """json_build_object(
    'id', id, 'job_id', job_id::text, 'job_name', job_name, 'build_number', build_number,
    'test_name', test_name, 'error_message', error_message,
    'error_signature', error_signature, 'classification', classification,
    'child_job_name', child_job_name, 'child_build_number', child_build_number,
    'analyzed_at', to_char(analyzed_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'))"""

# Filters of /history/failures other than ?search= (see _search_page).
_filters = {
    "job_name": "job_name = {p}",
    "classification": "classification = {p}",
}
_newest = "analyzed_at desc, id desc"
_oldest = "analyzed_at, id"
_key_older = "(analyzed_at, id) < ({at}, {id})"
_key_newer = "(analyzed_at, id) > ({at}, {id})"

# One round trip: the total, and one page fetched in travel order (`fetched` rows, at
# most the page size + 1), of which the first page-size rows go out as a JSON array in
# list order (newest first) with the cursor keys of its first and last row.
_page_tail = """
shown as (select * from page where pos <= {size})
select (select count(*) from {counted}) as total,
       (select count(*) from page)::int as fetched,
       (select coalesce(json_agg({row} order by pos {listing}), '[]') from shown)::text
           as rows,
       (select (analyzed_at, id) from shown order by pos {listing} limit 1) as first_key,
       (select (analyzed_at, id) from shown order by pos {back} limit 1) as last_key
"""
# Filters on b-tree columns (or none): the page walks an index in order.
_failures_page = """
with page as (
    select *, row_number() over (order by {travel}) as pos
      from (select * from failures {page_where} order by {travel}
             limit {limit} offset {offset}) s
),""" + _page_tail.replace("{counted}", "failures {count_where}")
# ?search= looks the term up in the distinct test names, job names and messages
# (migrations 0009 and 0010: small trigram indexes; the names and messages in failures
# repeat the same trigrams a million times) and reads failures through b-trees by name
# and by message hash, never by matching failures themselves:
#  - the total counts the rows of the matched test names, then those of the matched job
#    names without one of those tests, then those of the matched messages with neither:
#    each row once, each part from an index alone (a word in a fifth of all messages is
#    200,000 index entries, not 200,000 heap rows);
#  - the page takes at most offset + size rows from each matched name and message, in
#    travel order through its index: the page of the union is among them.
# {extra} holds the other filters (and-ed, each starting with "and").
_search_page = """
with t as materialized (
    select distinct test_name from history_test_names where test_name ilike {p}
),
j as materialized (
    select distinct job_name from history_job_names where job_name ilike {p}
),
m as materialized (
    select distinct message_hash from history_messages where error_message ilike {p}
),
counted as (
    select (select coalesce(sum(x.n), 0) from t cross join lateral (
                select count(*) as n from failures
                 where test_name = t.test_name {extra}) x)
         + (select coalesce(sum(x.n), 0) from j cross join lateral (
                select count(*) as n from failures
                 where job_name = j.job_name
                   and test_name not in (select test_name from t) {extra}) x)
         + (select coalesce(sum(x.n), 0) from m cross join lateral (
                select count(*) as n from failures
                 where error_hash = m.message_hash
                   and test_name not in (select test_name from t)
                   and job_name not in (select job_name from j) {extra}) x) as n
),
candidates as (
    select distinct id, analyzed_at from (
        select x.* from t cross join lateral (
            select id, analyzed_at from failures
             where test_name = t.test_name {extra} {key}
             order by {travel} limit {reach}) x
        union all
        select x.* from j cross join lateral (
            select id, analyzed_at from failures
             where job_name = j.job_name {extra} {key}
             order by {travel} limit {reach}) x
        union all
        select x.* from m cross join lateral (
            select id, analyzed_at from failures
             where error_hash = m.message_hash {extra} {key}
             order by {travel} limit {reach}) x
    ) u
),
page as (
    select f.*, row_number() over (order by {travel}) as pos
      from failures f
     where f.id in (select id from candidates order by {travel}
                     limit {limit} offset {offset})
),""" + _page_tail.replace("{counted}", "counted").replace(
    "(select count(*) from counted)", "(select n from counted)::bigint"
)


@dataclass(frozen=True)
class FailureFilter:
    search: str = ""
    job_name: str = ""
    classification: str = ""

    def where(self, first: int = 1) -> tuple[list[str], list[object]]:
        """The filters other than `search`, with their arguments from `$first`."""
        clauses: list[str] = []
        args: list[object] = []
        for name, value in (
            ("job_name", self.job_name),
            ("classification", self.classification),
        ):
            if value:
                args.append(value)
                clauses.append(_filters[name].format(p=f"${first + len(args) - 1}"))
        return clauses, args


def like_pattern(text: str) -> str:
    """`text` anywhere, with ILIKE's wildcards in it taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sql(base: str, clauses: list[str], tail: str) -> str:
    return base + (" where " + " and ".join(clauses) if clauses else "") + tail


def _where(clauses: list[str]) -> str:
    return "where " + " and ".join(clauses) if clauses else ""


@dataclass(frozen=True)
class FailurePage:
    """A page of /history/failures: `rows` is the JSON array, ready to send."""

    total: int
    fetched: int
    rows: str
    first: tuple[datetime, int] | None
    last: tuple[datetime, int] | None


def _key(value: tuple[datetime, int] | None) -> tuple[datetime, int] | None:
    return None if value is None else (value[0], int(value[1]))


async def failures_page(
    conn: Conn,
    flt: FailureFilter,
    *,
    size: int,
    offset: int = 0,
    request: PageRequest | None = None,
) -> FailurePage:
    """The total and one page: `size + 1` rows from `offset`, or after/before the cursor
    of `request` (whose limit is then the page size)."""
    clauses, args = flt.where()
    key_clauses: list[str] = []
    travel, backwards = _newest, False
    if request is not None and request.key is not None:
        backwards = request.backwards
        n = len(args)
        template = _key_newer if backwards else _key_older
        key_clauses.append(template.format(at=f"${n + 1}", id=f"${n + 2}"))
        args += [request.key.at, int(request.key.id)]
        travel = _oldest if backwards else _newest
    n = len(args)
    common = {
        "travel": travel,
        "limit": f"${n + 1}",
        "offset": f"${n + 2}",
        "size": f"${n + 3}",
        "row": _failure_json,
        "listing": "desc" if backwards else "",
        "back": "" if backwards else "desc",
    }
    if flt.search:
        extra = "".join(" and " + c for c in clauses)
        sql = _search_page.format(
            **common,
            p=f"${n + 4}",
            reach=f"(${n + 1}::bigint + ${n + 2}::bigint)",
            extra=extra,
            key="".join(" and " + c for c in key_clauses),
        )
    else:
        sql = _failures_page.format(
            **common,
            page_where=_where(clauses + key_clauses),
            count_where=_where(clauses),
        )
    tail: list[object] = [size + 1, offset, size]
    if flt.search:
        tail.append(like_pattern(flt.search))
        # The search's plan is the same whatever the term (the matched names and messages
        # drive it, at run time); planning it afresh for each term (Postgres keeps doing
        # so, the term changing its estimates) cost more than running it.
        async with conn.transaction():
            await conn.execute("set local plan_cache_mode = force_generic_plan")
            row = await conn.fetchrow(sql, *args, *tail)
    else:
        row = await conn.fetchrow(sql, *args, *tail)
    assert row is not None
    return FailurePage(
        row["total"], row["fetched"], row["rows"], _key(row["first_key"]), _key(row["last_key"])
    )


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


# --- one signature --------------------------------------------------------------------

_sig_scope = " where error_signature = $1 and ($2::uuid is null or job_id <> $2)"
select_signature_summary = (
    "select count(*) as total, count(distinct test_name) as unique_tests from failures" + _sig_scope
)
select_signature_tests = (
    "select test_name, count(*) as occurrences from failures"
    + _sig_scope
    + " group by test_name order by occurrences desc, test_name limit $3"
)
select_signature_last = (
    "select classification from failures"
    + _sig_scope
    + " order by analyzed_at desc, id desc limit 1"
)
select_signature_comments = (
    "select comment, username, created_at from comments"
    + _sig_scope
    + " order by created_at desc, id desc limit $3"
)


async def signature_summary(
    conn: Conn, signature: str, exclude: uuid.UUID | None
) -> tuple[int, int, str]:
    row = await conn.fetchrow(select_signature_summary, signature, exclude)
    assert row is not None
    if not row["total"]:
        return 0, 0, ""
    last = await conn.fetchval(select_signature_last, signature, exclude)
    return row["total"], row["unique_tests"], last or ""


async def signature_tests(
    conn: Conn, signature: str, exclude: uuid.UUID | None, limit: int
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_signature_tests, signature, exclude, limit)
    return rows


async def signature_comments(
    conn: Conn, signature: str, exclude: uuid.UUID | None, limit: int
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        select_signature_comments, signature, exclude, limit
    )
    return rows


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


# --- classifications ------------------------------------------------------------------

insert_history_label = """
insert into classifications (kind, test_name, job_name, parent_job_name, classification,
                             reason, references_info, created_by, job_id, child_build_number,
                             visible)
select 'history', $2, $3, j.job_name, $4, $5, $6, $7, j.id, $8, $9
  from jobs j where j.id = $1
returning id
"""
# Child build 0 under a child job name is a wildcard over that child's builds.
mirror_label = """
update failures set classification = $5
 where job_id = $1 and test_name = $2 and child_job_name = $3
   and (case when $4::integer = 0 and $3 <> '' then child_build_number > 0
             else child_build_number = $4 end)
"""


async def add_label(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    test_name: str,
    job_name: str,
    classification: str,
    reason: str,
    references: str,
    created_by: str,
    child_build_number: int,
    visible: bool,
) -> int | None:
    """Store a history label; a visible one is mirrored into the history at once."""
    async with conn.transaction():
        label_id: int | None = await conn.fetchval(
            insert_history_label,
            job_id,
            test_name,
            job_name,
            classification,
            reason,
            references,
            created_by,
            child_build_number,
            visible,
        )
        if label_id is not None and visible:
            await conn.execute(
                mirror_label, job_id, test_name, job_name, child_build_number, classification
            )
    return label_id


# The latest hidden label per (test, child job, child build) wins.
reveal_labels = """
with shown as (
    update classifications set visible = true
     where job_id = $1 and not visible
    returning id, test_name, job_name, child_build_number, classification, created_at
), latest as (
    select distinct on (test_name, job_name, child_build_number)
           test_name, job_name, child_build_number, classification
      from shown order by test_name, job_name, child_build_number, created_at desc, id desc
)
update failures f set classification = l.classification
  from latest l
 where f.job_id = $1 and f.test_name = l.test_name and f.child_job_name = l.job_name
   and (case when l.child_build_number = 0 and l.job_name <> '' then f.child_build_number > 0
             else f.child_build_number = l.child_build_number end)
"""


async def reveal_labels_for_job(conn: Conn, job_id: uuid.UUID) -> None:
    """Make a job's AI-authored labels visible once its analysis is saved (the analyzer
    calls this in the transaction that completes the job)."""
    await conn.execute(reveal_labels, job_id)


_label_columns = """
select id, test_name, job_name, parent_job_name, classification, reason, references_info,
       created_by, job_id, child_build_number, created_at
  from classifications
"""
_label_filters = {
    "test_name": "test_name = {p}",
    "classification": "classification = {p}",
    "job_name": "job_name = {p}",
    "parent_job_name": "parent_job_name = {p}",
    "job_id": "job_id = {p}",
}
_primary_visible = (
    "kind = 'primary' and visible and classification in "
    "('CODE ISSUE', 'PRODUCT BUG', 'INFRASTRUCTURE')"
)


async def list_primary_labels(
    conn: Conn, filters: dict[str, object], request: PageRequest
) -> list[asyncpg.Record]:
    """Visible primary classifications newest first: `limit + 1` rows in travel order."""
    clauses, args = [_primary_visible], []
    for name, value in filters.items():
        if value:
            args.append(value)
            clauses.append(_label_filters[name].format(p=f"${len(args)}"))
    order = " order by created_at desc, id desc"
    key = request.key
    if key is not None:
        op = ">" if request.backwards else "<"
        clauses.append(f"(created_at, id) {op} (${len(args) + 1}, ${len(args) + 2})")
        args += [key.at, int(key.id)]
        if request.backwards:
            order = " order by created_at, id"
    sql = _sql(_label_columns, clauses, f"{order} limit ${len(args) + 1}")
    rows: list[asyncpg.Record] = await conn.fetch(sql, *args, request.limit + 1)
    return rows
