"""Reading stored results fast: one composed result, the dashboard, review status.

Read models over jobs and their rows; every write to a job is in jobs.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from verdict.contracts.identity import RunFilter
from verdict.history.cursor import PageRequest
from verdict.storage.pool import Conn
from verdict.storage.run_identity import conditions, numbered, run_json

# The `result` object of GET /results/{job_id}, composed by Postgres and sent as text,
# so a 200-failure result is never decoded and re-encoded in Python. It is also the
# object POST /analyze-failures answers when it waited for the job.
#
# `version` names the row versions the answer is made of: every UPDATE writes a new
# version of the jobs row (new xmin), and the enriched XML is a row of its own. With
# $2 = the version the caller already holds, Postgres skips composing the result
# (result_text and enriched_xml_z come back null) and the caller sends what it has.
_result_version = "jobs.xmin::text || '/' || coalesce(o.xmin::text, '')"
# A job with a run identity (migration 0020) also carries `run` (the fields set) and, like
# a Jenkins job, `job_name` and `build_number`.
select_result_text = f"""
select jobs.id, kind, status, jenkins_url, jobs.created_at, completed_at,
       analysis_started_at, error, error_code, {_result_version} as version,
       case when {_result_version} = $2 then null else
       (case when kind = 'jenkins' or job_name <> ''
             then jsonb_build_object('job_name', job_name, 'build_number', build_number)
             else '{{}}'::jsonb end
        || case when {run_json("jobs")} = '{{}}' then '{{}}'::jsonb
                else jsonb_build_object('run', {run_json("jobs")}) end
        || coalesce(result, jsonb_build_object('job_id', id::text))
        || jsonb_build_object('status', status, 'request_params', request_params,
                              'progress_log', progress_log)
        || case when phase <> '' then jsonb_build_object('progress_phase', phase)
                else '{{}}'::jsonb end
        || case when status = 'failed' then jsonb_build_object('error', error)
                else '{{}}'::jsonb end
        -- enriched_xml is kept compressed in job_outputs; the handler splices it in.
        - case when o.payload is null then '' else 'enriched_xml' end)::text
       end as result_text,
       case when {_result_version} = $2 then null else o.payload end as enriched_xml_z
  from jobs
  left join job_outputs o on o.job_id = jobs.id and o.name = 'enriched_xml'
 where jobs.id = $1
"""


async def get_result_text(
    conn: Conn, job_id: uuid.UUID, known_version: str = ""
) -> asyncpg.Record | None:
    """The job's row and composed result; result_text is null when `known_version` is
    still the row's `version` (what the caller holds is current)."""
    row: asyncpg.Record | None = await conn.fetchrow(select_result_text, job_id, known_version)
    return row


# A dashboard row as the contract writes it, built by Postgres as text (format() and
# to_json() cost a third of json_build_object here): the keys every job has, then those
# of a stored result (job_name; build_number of a Jenkins job; failure_count;
# child_job_count when non-zero; summary and error when not empty). status is one of
# five plain words (a CHECK constraint), so it needs no escaping. The review and
# comment counts are kept on the job's row by triggers (migration 0010).
_ts = "coalesce('\"' || to_char({} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '\"', 'null')"
_dashboard_row = (
    """
format('{"job_id": "%s", "jenkins_url": %s, "status": %s, "created_at": %s, '
       '"completed_at": %s, "analysis_started_at": %s, "reviewed_count": %s, '
       '"comment_count": %s%s%s}',
    j.id, to_json(coalesce(j.jenkins_url, '')), '"' || j.status || '"', {created}, {completed},
    {started},
    j.reviewed_count, j.comment_count,
    case when {run} = '{}' then '' else ', "run": ' || {run}::text end,
    case when j.result is null then '' else concat(
        ', "job_name": ', to_json(j.job_name),
        case when j.kind = 'jenkins' or j.build_number > 0
             then ', "build_number": ' || j.build_number end,
        ', "failure_count": ', j.failure_count,
        case when j.child_job_count <> 0 then ', "child_job_count": ' || j.child_job_count end,
        ', "summary": ' || to_json(nullif(coalesce(nullif(j.summary, ''),
                                                   case when j.status = 'failed'
                                                        then j.error end, ''), '')),
        ', "error": ' || to_json(nullif(j.error, ''))) end)
""".replace("{created}", _ts.format("j.created_at"))
    .replace("{completed}", _ts.format("j.completed_at"))
    .replace("{started}", _ts.format("j.analysis_started_at"))
    .replace("{run}", run_json("j"))
)
# One round trip: `fetched` rows in travel order (at most the page size + 1), the first
# page-size of them as a JSON array in list order (newest first), and the cursor keys of
# its first and last row; and `version`, the rows' versions (see dashboard_version).
_dashboard_page = """
with page as (
    select j.id, j.created_at, j.xmin::text as row_version, {row} as doc,
           row_number() over (order by {travel}) as pos
      from jobs j {where} order by {travel} limit $1 + 1
), shown as (select * from page where pos <= $1)
select (select count(*) from page)::int as fetched,
       (select '[' || coalesce(string_agg(doc, ', ' order by pos {listing}), '') || ']'
          from shown) as rows,
       (select (created_at, id) from shown order by pos {listing} limit 1) as first_key,
       (select (created_at, id) from shown order by pos {back} limit 1) as last_key,
       (select md5(coalesce(string_agg(id::text || ':' || row_version, ',' order by pos),
                            '')) from page) as version
"""
# What the first page is made of: the ids of the newest `$1 + 1` jobs and their row
# versions. Any write the page shows makes a new version of a row in it (comments and
# reviews too: their counts are columns of the job, updated in the same transaction),
# a new job or a deleted one changes the ids; and only committed versions are ever
# seen, so an unchanged value means an unchanged page.
select_dashboard_version = """
select md5(coalesce(string_agg(id::text || ':' || xmin::text, ','
                               order by created_at desc, id desc), ''))
  from (select id, created_at, xmin from jobs j order by created_at desc, id desc
         limit $1 + 1) s
"""
_newest = "j.created_at desc, j.id desc"
_oldest = "j.created_at, j.id"
select_dashboard_first = _dashboard_page.format(
    travel=_newest, where="", row=_dashboard_row, listing="", back="desc"
)
select_dashboard_after = _dashboard_page.format(
    travel=_newest,
    where="where (j.created_at, j.id) < ($2, $3)",
    row=_dashboard_row,
    listing="",
    back="desc",
)
select_dashboard_before = _dashboard_page.format(
    travel=_oldest,
    where="where (j.created_at, j.id) > ($2, $3)",
    row=_dashboard_row,
    listing="desc",
    back="",
)


@dataclass(frozen=True)
class DashboardPage:
    """`rows` is the JSON array, ready to send; keys are (created_at, job id)."""

    fetched: int
    rows: str
    first: tuple[datetime, uuid.UUID] | None
    last: tuple[datetime, uuid.UUID] | None
    version: str = ""


async def dashboard_version(conn: Conn, limit: int) -> str:
    """The first page's current version (the `version` of a first `dashboard` page)."""
    version: str = await conn.fetchval(select_dashboard_version, limit)
    return version


async def dashboard(
    conn: Conn, request: PageRequest, flt: RunFilter | None = None
) -> DashboardPage:
    """Newest jobs with review and comment counts, one page of `request.limit`; only
    those `flt` matches when given."""
    key = request.key
    if flt:
        sql, args = _filtered_dashboard(request, flt)
        row = await conn.fetchrow(sql, *args)
    elif key is None:
        row = await conn.fetchrow(select_dashboard_first, request.limit)
    else:
        sql = select_dashboard_before if request.backwards else select_dashboard_after
        row = await conn.fetchrow(sql, request.limit, key.at, uuid.UUID(str(key.id)))
    assert row is not None
    first, last = row["first_key"], row["last_key"]
    return DashboardPage(
        row["fetched"],
        row["rows"],
        None if first is None else (first[0], first[1]),
        None if last is None else (last[0], last[1]),
        row["version"],
    )


def _filtered_dashboard(request: PageRequest, flt: RunFilter) -> tuple[str, list[object]]:
    """The SQL and arguments of a dashboard page of the jobs `flt` matches."""
    args: list[object] = [request.limit]
    clauses = conditions(flt, "j", numbered(args))
    key, backwards = request.key, request.backwards
    if key is not None:
        args += [key.at, uuid.UUID(str(key.id))]
        op = ">" if backwards else "<"
        clauses.append(f"(j.created_at, j.id) {op} (${len(args) - 1}, ${len(args)})")
    sql = _dashboard_page.format(
        travel=_oldest if backwards else _newest,
        where="where " + " and ".join(clauses),
        row=_dashboard_row,
        listing="desc" if backwards else "",
        back="" if backwards else "desc",
    )
    return sql, args


select_review_status = """
select j.failure_count as total_failures,
       (select count(*) from reviews r where r.job_id = j.id and r.reviewed) as reviewed_count,
       (select count(*) from comments c where c.job_id = j.id) as comment_count
  from jobs j where j.id = $1
"""


async def review_status(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_review_status, job_id)
    return row
