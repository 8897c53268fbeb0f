"""The web pages' read models: the dashboard with filters, and a report by signature group.

A report is read from the group rows (`analyses`) and the history rows (`failures`), not
from the stored result document: the page lists every group (a few hundred rows) and
reads the full body of only the groups it shows, so a 5,000-failure report costs the
same first screen as a 50-failure one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from verdict.contracts.identity import RunFilter
from verdict.history.cursor import PageRequest
from verdict.storage.history import like_pattern
from verdict.storage.pool import Conn
from verdict.storage.run_identity import conditions, numbered


@dataclass(frozen=True)
class DashboardFilter:
    job_name: str = ""
    status: str = ""
    classification: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    # Exact run identity filters (branch, commit, pull request, ci, labels...).
    run: RunFilter = field(default_factory=RunFilter)

    def where(self) -> tuple[str, list[object]]:
        """SQL conditions on `jobs j` and their arguments, numbered from $1."""
        clauses: list[str] = []
        args: list[object] = []
        arg = numbered(args)
        clauses.extend(conditions(self.run, "j", arg))

        if self.job_name:
            clauses.append(f"j.job_name ilike {arg(like_pattern(self.job_name))}")
        if self.status:
            clauses.append(f"j.status = {arg(self.status)}")
        if self.since is not None:
            clauses.append(f"j.created_at >= {arg(self.since)}")
        if self.until is not None:
            clauses.append(f"j.created_at < {arg(self.until)}")
        if self.text:
            p = arg(like_pattern(self.text))
            clauses.append(
                f"(j.job_name ilike {p} or j.summary ilike {p} or j.error ilike {p}"
                f" or j.jenkins_url ilike {p} or j.id::text = {arg(self.text.strip().lower())})"
            )
        if self.classification:
            clauses.append(
                "exists (select 1 from failures f where f.job_id = j.id"
                f" and f.classification = {arg(self.classification)})"
            )
        return (" and ".join(clauses) or "true"), args


_dashboard_columns = """
j.id, j.kind, j.status, j.phase, j.job_name, j.build_number, j.jenkins_url, j.summary,
j.error, j.failure_count, j.reviewed_count, j.comment_count, j.ai_provider, j.ai_model,
j.created_at, j.analysis_started_at, j.completed_at, j.run_id, j.branch, j.commit_sha,
j.pull_request, j.run_url, j.ci, j.labels
"""


async def dashboard_rows(
    conn: Conn, flt: DashboardFilter, page: PageRequest
) -> list[asyncpg.Record]:
    """`page.limit + 1` jobs in the direction of travel (newest first unless `before`)."""
    where, args = flt.where()
    order = "j.created_at, j.id" if page.backwards else "j.created_at desc, j.id desc"
    key = page.key
    if key is not None:
        op = ">" if page.backwards else "<"
        args += [key.at, uuid.UUID(str(key.id))]
        where += f" and (j.created_at, j.id) {op} (${len(args) - 1}, ${len(args)})"
    args.append(page.limit + 1)
    sql = (
        f"select {_dashboard_columns} from jobs j where {where} order by {order} limit ${len(args)}"
    )
    rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
    return rows


async def dashboard_totals(conn: Conn, flt: DashboardFilter) -> asyncpg.Record:
    where, args = flt.where()
    row = await conn.fetchrow(
        f"""
        select count(*)::int as jobs,
               count(*) filter (where j.status = 'completed')::int as completed,
               count(*) filter (where j.status = 'failed')::int as failed,
               count(*) filter (where j.status in ('pending', 'waiting', 'running'))::int
                   as in_progress,
               coalesce(sum(j.failure_count), 0)::bigint as failures,
               coalesce(sum(j.reviewed_count), 0)::bigint as reviewed
          from jobs j where {where}
        """,
        *args,
    )
    assert row is not None
    return row


select_class_counts = """
select job_id, classification, count(*)::int as n
  from failures where job_id = any($1::uuid[])
 group by job_id, classification
"""


async def classification_counts(
    conn: Conn, job_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    out: dict[uuid.UUID, dict[str, int]] = {}
    for row in await conn.fetch(select_class_counts, job_ids):
        out.setdefault(row["job_id"], {})[row["classification"]] = row["n"]
    return out


# --- a report --------------------------------------------------------------------------

select_report_job = """
select j.id, j.kind, j.status, j.phase, j.job_name, j.build_number, j.jenkins_url,
       j.summary, j.error, j.ai_provider, j.ai_model, j.failure_count, j.reviewed_count,
       j.comment_count, j.created_at, j.analysis_started_at, j.completed_at,
       j.request_params, j.progress_log, j.run_id, j.branch, j.commit_sha, j.pull_request,
       j.run_url, j.ci, j.labels,
       -- Reading `result` at all reads the whole document (megabytes for a big report):
       -- only a job that went through Jira enrichment can carry jira_error.
       case when j.progress_log @> '[{"phase": "enriching_jira"}]'
            then coalesce(j.result ->> 'jira_error', '') else '' end as jira_error
  from jobs j where j.id = $1
"""


async def report_job(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_report_job, job_id)
    return row


# The child-job tree of a Jenkins result, without its failures: one row per child, in
# the result's order (`path` is its position at each depth).
select_report_children = """
with recursive tree as (
    select c.value as node, array[c.n]::int[] as path
      from jobs j,
           jsonb_array_elements(case when jsonb_typeof(j.result -> 'child_job_analyses')
                                     = 'array' then j.result -> 'child_job_analyses'
                                     else '[]'::jsonb end) with ordinality as c(value, n)
     where j.id = $1
    union all
    select c.value, t.path || c.n::int
      from tree t,
           jsonb_array_elements(case when jsonb_typeof(t.node -> 'failed_children') = 'array'
                                     then t.node -> 'failed_children' else '[]'::jsonb end)
               with ordinality as c(value, n)
)
select path, coalesce(node ->> 'job_name', '') as job_name,
       coalesce((node ->> 'build_number')::int, 0) as build_number,
       coalesce(node ->> 'jenkins_url', '') as jenkins_url,
       coalesce(node ->> 'summary', '') as summary, coalesce(node ->> 'note', '') as note
  from tree order by path
"""


async def report_children(conn: Conn, job_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_report_children, job_id)
    return rows


# Every group of the job with its size, reviewed count and first failure, largest first
# within each scope (top level first). Reviews are matched per test, as they are stored.
select_report_groups = """
with f as (
    select f.analysis_id, count(*)::int as failures,
           count(*) filter (where r.reviewed)::int as reviewed,
           (array_agg(f.test_name order by f.id))[1] as first_test,
           left((array_agg(f.error_message order by f.id))[1], 400) as first_error
      from failures f
      left join reviews r
        on r.job_id = f.job_id and r.child_job_name = f.child_job_name
       and r.child_build_number = f.child_build_number and r.test_name = f.test_name
     where f.job_id = $1
     group by f.analysis_id
)
select a.id, a.child_job_name, a.child_build_number, a.signature, a.classification,
       a.confidence, a.source, a.provider, a.model, f.failures, f.reviewed, f.first_test,
       f.first_error
  from analyses a join f on f.analysis_id = a.id
 where a.job_id = $1
 order by a.child_job_name <> '', a.child_job_name, a.child_build_number,
          f.failures desc, a.id
"""


async def report_groups(conn: Conn, job_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_report_groups, job_id)
    return rows


select_group_bodies = """
select id, details, evidence, code_fix, product_bug_report, peer_debate, rule_id,
       reused_from_job, created_at
  from analyses where job_id = $1 and id = any($2::bigint[])
"""

# The tests of the shown groups (at most $3 per group), with their reviewed state.
select_group_tests = """
select analysis_id, test_name, error_message, reviewed, reviewed_by, total from (
    select f.analysis_id, f.test_name, f.error_message, coalesce(r.reviewed, false) as reviewed,
           coalesce(r.username, '') as reviewed_by,
           row_number() over (partition by f.analysis_id order by f.id) as n,
           count(*) over (partition by f.analysis_id) as total
      from failures f
      left join reviews r
        on r.job_id = f.job_id and r.child_job_name = f.child_job_name
       and r.child_build_number = f.child_build_number and r.test_name = f.test_name
     where f.job_id = $1 and f.analysis_id = any($2::bigint[])
) t where n <= $3 order by analysis_id, n
"""

select_group_comments = """
select distinct on (c.id) c.id, f.analysis_id, c.test_name, c.comment, c.username,
       c.created_at
  from comments c
  join failures f
    on f.job_id = c.job_id and f.child_job_name = c.child_job_name
   and f.child_build_number = c.child_build_number and f.test_name = c.test_name
 where c.job_id = $1 and f.analysis_id = any($2::bigint[])
 order by c.id
"""

# Who set each group's classification by hand, and when (the newest override).
select_group_overrides = """
select distinct on (a.id) a.id as analysis_id, c.created_by, c.created_at
  from analyses a
  join classifications c
    on c.job_id = a.job_id and c.kind = 'primary' and c.error_signature = a.signature
   and c.job_name = a.child_job_name and c.child_build_number = a.child_build_number
 where a.job_id = $1 and a.id = any($2::bigint[])
 order by a.id, c.created_at desc, c.id desc
"""


@dataclass(frozen=True)
class GroupBodies:
    bodies: dict[int, asyncpg.Record]
    tests: dict[int, list[asyncpg.Record]]
    comments: dict[int, list[asyncpg.Record]]
    overrides: dict[int, asyncpg.Record]


async def group_bodies(
    conn: Conn, job_id: uuid.UUID, analysis_ids: list[int], *, tests_per_group: int
) -> GroupBodies:
    """Everything a group's card shows beyond its header, for the groups on one page."""
    bodies = {r["id"]: r for r in await conn.fetch(select_group_bodies, job_id, analysis_ids)}
    tests: dict[int, list[asyncpg.Record]] = {}
    for row in await conn.fetch(select_group_tests, job_id, analysis_ids, tests_per_group):
        tests.setdefault(row["analysis_id"], []).append(row)
    comments: dict[int, list[asyncpg.Record]] = {}
    for row in await conn.fetch(select_group_comments, job_id, analysis_ids):
        comments.setdefault(row["analysis_id"], []).append(row)
    overrides = {
        r["analysis_id"]: r for r in await conn.fetch(select_group_overrides, job_id, analysis_ids)
    }
    return GroupBodies(bodies, tests, comments, overrides)


def as_dict(row: asyncpg.Record | None) -> dict[str, Any]:
    return dict(row) if row is not None else {}


# A whole group reviewed (or not) at once: one review row per test of the group, as the
# per-test endpoint writes them. The count of rows written; 0 when the group is not
# this job's.
upsert_group_reviews = """
insert into reviews (job_id, test_name, child_job_name, child_build_number, reviewed,
                     username, updated_at)
select distinct f.job_id, f.test_name, f.child_job_name, f.child_build_number, $3::boolean,
       $4, now()
  from failures f where f.job_id = $1 and f.analysis_id = $2
on conflict (job_id, child_job_name, child_build_number, test_name)
do update set reviewed = excluded.reviewed, username = excluded.username,
              updated_at = excluded.updated_at
"""


async def set_group_reviewed(
    conn: Conn, job_id: uuid.UUID, analysis_id: int, *, reviewed: bool, username: str
) -> int:
    status: str = await conn.execute(upsert_group_reviews, job_id, analysis_id, reviewed, username)
    return int(status.rsplit(" ", 1)[-1])


# --- one signature across jobs -----------------------------------------------------------

select_signature_occurrences = """
select f.job_id, f.job_name, f.build_number, f.child_job_name, f.child_build_number,
       f.test_name, f.classification, f.analyzed_at
  from failures f where f.error_signature = $1
 order by f.analyzed_at desc, f.id desc limit $2
"""

# How each job's analysis classified the signature, and who overrode it by hand.
select_signature_verdicts = """
select a.job_id, j.job_name, j.build_number, a.child_job_name, a.child_build_number,
       a.classification, a.source, a.provider, a.model, a.confidence, a.created_at,
       o.created_by as overridden_by, o.created_at as overridden_at
  from analyses a
  join jobs j on j.id = a.job_id
  left join lateral (
      select c.created_by, c.created_at from classifications c
       where c.job_id = a.job_id and c.kind = 'primary' and c.error_signature = a.signature
         and c.job_name = a.child_job_name and c.child_build_number = a.child_build_number
       order by c.created_at desc, c.id desc limit 1
  ) o on true
 where a.signature = $1
 order by a.created_at desc, a.id desc limit $2
"""


async def signature_occurrences(conn: Conn, signature: str, limit: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_signature_occurrences, signature, limit)
    return rows


async def signature_verdicts(conn: Conn, signature: str, limit: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_signature_verdicts, signature, limit)
    return rows
