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

_failure_columns = """
select id, job_id, job_name, build_number, test_name, error_message, error_signature,
       classification, child_job_name, child_build_number, analyzed_at
  from failures
"""

# Filters of /history/failures; each is an index (trigram GIN for search, b-tree else).
_filters = {
    "search": "(test_name ilike {p} or error_message ilike {p} or job_name ilike {p})",
    "job_name": "job_name = {p}",
    "classification": "classification = {p}",
}
_order_newest = " order by analyzed_at desc, id desc"
_order_oldest = " order by analyzed_at, id"
_key_older = "(analyzed_at, id) < ({at}, {id})"
_key_newer = "(analyzed_at, id) > ({at}, {id})"
count_failures = "select count(*) from failures"


@dataclass(frozen=True)
class FailureFilter:
    search: str = ""
    job_name: str = ""
    classification: str = ""

    def where(self, first: int = 1) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        for name, value in (
            ("search", like_pattern(self.search) if self.search else ""),
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


# A generic plan cannot see how selective a search pattern is and scans the table; a
# plan made for the pattern at hand uses the trigram indexes.
custom_plans = "set local plan_cache_mode = force_custom_plan"


async def count_matching(conn: Conn, flt: FailureFilter) -> int:
    clauses, args = flt.where()
    async with conn.transaction():
        if flt.search:
            await conn.execute(custom_plans)
        total: int = await conn.fetchval(_sql(count_failures, clauses, ""), *args)
    return total


async def list_failures_offset(
    conn: Conn, flt: FailureFilter, limit: int, offset: int
) -> list[asyncpg.Record]:
    clauses, args = flt.where()
    n = len(args)
    sql = _sql(_failure_columns, clauses, f"{_order_newest} limit ${n + 1} offset ${n + 2}")
    async with conn.transaction():
        if flt.search:
            await conn.execute(custom_plans)
        rows: list[asyncpg.Record] = await conn.fetch(sql, *args, limit, offset)
    return rows


async def list_failures_keyset(
    conn: Conn, flt: FailureFilter, request: PageRequest
) -> list[asyncpg.Record]:
    """`limit + 1` rows in travel order after (older) or before (newer) the cursor."""
    clauses, args = flt.where()
    key = request.key
    order = _order_newest
    if key is not None:
        n = len(args)
        template = _key_newer if request.backwards else _key_older
        clauses.append(template.format(at=f"${n + 1}", id=f"${n + 2}"))
        args += [key.at, int(key.id)]
        order = _order_oldest if request.backwards else _order_newest
    sql = _sql(_failure_columns, clauses, f"{order} limit ${len(args) + 1}")
    async with conn.transaction():
        if flt.search:
            await conn.execute(custom_plans)
        rows: list[asyncpg.Record] = await conn.fetch(sql, *args, request.limit + 1)
    return rows


# --- one test -------------------------------------------------------------------------

# $2: job name or '' for any; $3: a job to leave out, or null.
_test_scope = """
 where test_name = $1 and ($2::text = '' or job_name = $2)
   and ($3::uuid is null or job_id <> $3)
"""
select_test_summary = (
    """
with f as (select job_id, analyzed_at, classification from failures"""
    + _test_scope
    + """)
select (select count(distinct job_id) from f)::int as failed_builds,
       (select count(*) from f)::int as failure_rows,
       (select min(analyzed_at) from f) as first_seen,
       (select max(analyzed_at) from f) as last_seen,
       (select coalesce(jsonb_object_agg(classification, n), '{}'::jsonb)
          from (select classification, count(*) as n from f
                 where classification <> '' group by classification) c) as classifications
"""
)
select_test_recent = (
    """
select job_id, job_name, build_number, error_message, error_signature, classification,
       child_job_name, child_build_number, analyzed_at
  from failures"""
    + _test_scope
    + """
 order by analyzed_at desc, id desc limit $4
"""
)
# Builds that ran the jobs this test fails in and stored their totals (test_runs).
select_test_total_builds = """
select count(distinct tr.job_id) from test_runs tr
 where tr.job_name = any($1::text[]) and ($2::uuid is null or tr.job_id <> $2)
"""
select_test_job_names = "select array_agg(distinct job_name) from failures" + _test_scope
# Without totals for a named job, its completed builds are the denominator (the seed's).
select_completed_builds = """
select count(*) from jobs
 where job_name = $1 and status = 'completed' and ($2::uuid is null or id <> $2)
"""
select_related_comments = """
select comment, username, created_at from comments
 where (test_name = $1 or error_signature = any($2::text[]))
   and ($3::uuid is null or job_id <> $3)
 order by created_at desc, id desc limit $4
"""


@dataclass(frozen=True)
class TestSummary:
    __test__ = False  # not a pytest class

    failed_builds: int
    failure_rows: int
    first_seen: datetime | None
    last_seen: datetime | None
    classifications: dict[str, int]


async def test_summary(
    conn: Conn, test_name: str, job_name: str, exclude: uuid.UUID | None
) -> TestSummary:
    row = await conn.fetchrow(select_test_summary, test_name, job_name, exclude)
    assert row is not None
    return TestSummary(
        row["failed_builds"],
        row["failure_rows"],
        row["first_seen"],
        row["last_seen"],
        dict(row["classifications"]),
    )


async def recent_runs(
    conn: Conn, test_name: str, job_name: str, exclude: uuid.UUID | None, limit: int
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        select_test_recent, test_name, job_name, exclude, limit
    )
    return rows


async def builds_run(
    conn: Conn, test_name: str, job_name: str, exclude: uuid.UUID | None
) -> int | None:
    """Builds with stored totals of the job(s) the test belongs to; None without totals."""
    names = [job_name] if job_name else None
    if names is None:
        names = await conn.fetchval(select_test_job_names, test_name, job_name, exclude)
    if not names:
        return None
    total: int = await conn.fetchval(select_test_total_builds, names, exclude)
    if total:
        return total
    if job_name:
        completed: int = await conn.fetchval(select_completed_builds, job_name, exclude)
        return completed
    return None


async def related_comments(
    conn: Conn,
    test_name: str,
    signatures: list[str],
    exclude: uuid.UUID | None,
    limit: int,
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        select_related_comments, test_name, signatures, exclude, limit
    )
    return rows


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
select_test_window = (
    _window
    + """
select (select count(*) from win)::int as builds,
       coalesce((select array_agg(distinct w.pos) from failures f join win w on w.id = f.job_id
                  where f.test_name = $4), '{}') as failed_positions,
       (select count(distinct o.job_id) from test_outcomes o join win w on w.id = o.job_id
         where o.test_name = $4 and o.outcome = 'flaky')::int as retry_passes
"""
)
select_latest_job_name = """
select job_name from failures where test_name = $1 and ($2::uuid is null or job_id <> $2)
 order by analyzed_at desc, id desc limit 1
"""


@dataclass(frozen=True)
class TestWindow:
    __test__ = False

    job_name: str
    builds: int
    failed_positions: list[int]
    retry_passes: int


async def test_window(
    conn: Conn, test_name: str, job_name: str, exclude: uuid.UUID | None, builds: int
) -> TestWindow | None:
    """The test's outcomes over the last `builds` builds of `job_name` (or of its latest job)."""
    if not job_name:
        job_name = await conn.fetchval(select_latest_job_name, test_name, exclude) or ""
        if not job_name:
            return None
    row = await conn.fetchrow(select_test_window, job_name, exclude, builds, test_name)
    assert row is not None
    return TestWindow(job_name, row["builds"], list(row["failed_positions"]), row["retry_passes"])


# The same formulas as verdict.history.flakiness, for every test failing in the window:
# a run of consecutive failed positions [s, e] adds a flip at s (unless s is the newest
# build) and one at e (unless e is the oldest).
select_flaky_tests = (
    _window
    + """,
n as (select count(*)::int as builds from win),
fails as (select distinct f.test_name, w.pos
            from failures f join win w on w.id = f.job_id),
edges as (select test_name, pos,
                 lag(pos) over (partition by test_name order by pos) as prev,
                 lead(pos) over (partition by test_name order by pos) as next
            from fails),
per_test as (select test_name, count(*)::int as failed_builds,
                    (count(*) filter (where (prev is null or prev <> pos - 1) and pos > 0)
                     + count(*) filter (where (next is null or next <> pos + 1)
                                        and pos < (select builds from n) - 1))::int as flips
               from edges group by test_name),
retries as (select o.test_name, count(distinct o.job_id)::int as retry_passes
              from test_outcomes o join win w on w.id = o.job_id
             where o.outcome = 'flaky' group by o.test_name),
scored as (select coalesce(p.test_name, r.test_name) as test_name,
                  coalesce(p.failed_builds, 0) as failed_builds, coalesce(p.flips, 0) as flips,
                  coalesce(r.retry_passes, 0) as retry_passes
             from per_test p full join retries r on r.test_name = p.test_name)
select s.test_name, s.failed_builds, s.flips, s.retry_passes, n.builds,
       case when n.builds >= 2 then round(s.flips::numeric / (n.builds - 1), 4)::float8
            else 0.0 end as flip_rate,
       case when s.retry_passes + s.failed_builds > 0
            then round(s.retry_passes::numeric / (s.retry_passes + s.failed_builds), 4)::float8
            else 0.0 end as pass_on_retry_rate
  from scored s cross join n
 order by greatest(
            case when n.builds >= 2 then s.flips::float8 / (n.builds - 1) else 0 end,
            case when s.retry_passes + s.failed_builds > 0
                 then s.retry_passes::float8 / (s.retry_passes + s.failed_builds) else 0 end)
          desc, s.test_name
 limit $4
"""
)


async def flaky_tests(
    conn: Conn, job_name: str, exclude: uuid.UUID | None, builds: int, limit: int
) -> list[asyncpg.Record]:
    """The tests of a job ranked by flip rate or pass-on-retry rate, whichever is higher."""
    rows: list[asyncpg.Record] = await conn.fetch(
        select_flaky_tests, job_name, exclude, builds, limit
    )
    return rows


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

select_job_builds = """
select count(*)::int as total_builds,
       count(*) filter (where failure_count > 0)::int as builds_with_failures,
       count(*) filter (where failure_count > 0
                        and completed_at >= now() - make_interval(days => $3))::int as recent,
       count(*) filter (where failure_count > 0
                        and completed_at >= now() - make_interval(days => 2 * $3)
                        and completed_at < now() - make_interval(days => $3))::int as previous
  from jobs
 where job_name = $1 and status = 'completed' and ($2::uuid is null or id <> $2)
"""
select_job_test_totals = """
select coalesce(sum(tr.total), 0)::bigint as total, coalesce(sum(tr.passed), 0)::bigint as passed,
       coalesce(sum(tr.failed), 0)::bigint as failed,
       coalesce(sum(tr.skipped), 0)::bigint as skipped, count(distinct tr.job_id)::int as builds
  from test_runs tr
 where tr.job_name = $1 and ($2::uuid is null or tr.job_id <> $2)
"""
select_most_common = """
select test_name, count(*) as count, classification from failures
 where job_name = $1 and ($2::uuid is null or job_id <> $2)
 group by test_name, classification
 order by count desc, test_name limit $3
"""


async def job_builds(
    conn: Conn, job_name: str, exclude: uuid.UUID | None, trend_days: int
) -> asyncpg.Record:
    row = await conn.fetchrow(select_job_builds, job_name, exclude, trend_days)
    assert row is not None
    return row


async def job_test_totals(conn: Conn, job_name: str, exclude: uuid.UUID | None) -> asyncpg.Record:
    row = await conn.fetchrow(select_job_test_totals, job_name, exclude)
    assert row is not None
    return row


async def most_common_failures(
    conn: Conn, job_name: str, exclude: uuid.UUID | None, limit: int
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_most_common, job_name, exclude, limit)
    return rows


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
