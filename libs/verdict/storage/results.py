"""Reading stored results fast, the dashboard, deleting a job, and /ai-configs."""

from __future__ import annotations

import uuid

import asyncpg

from verdict.history.cursor import PageRequest
from verdict.storage.pool import Conn

# The `result` object of GET /results/{job_id}, composed by Postgres and sent as text,
# so a 200-failure result is never decoded and re-encoded in Python. It is the same
# object verdict.contracts.envelope.build_result makes from a row.
select_result_text = """
select jobs.id, kind, status, jenkins_url, jobs.created_at, completed_at,
       analysis_started_at,
       (case when kind = 'jenkins'
             then jsonb_build_object('job_name', job_name, 'build_number', build_number)
             else '{}'::jsonb end
        || coalesce(result, jsonb_build_object('job_id', id::text))
        || jsonb_build_object('status', status, 'request_params', request_params,
                              'progress_log', progress_log)
        || case when phase <> '' then jsonb_build_object('progress_phase', phase)
                else '{}'::jsonb end
        || case when status = 'failed' then jsonb_build_object('error', error)
                else '{}'::jsonb end
        -- enriched_xml is kept compressed in job_outputs; the handler splices it in.
        - case when o.payload is null then '' else 'enriched_xml' end)::text as result_text,
       o.payload as enriched_xml_z
  from jobs
  left join job_outputs o on o.job_id = jobs.id and o.name = 'enriched_xml'
 where jobs.id = $1
"""


async def get_result_text(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_result_text, job_id)
    return row


_dashboard_columns = """
select j.id, j.kind, j.jenkins_url, j.status, j.created_at, j.completed_at,
       j.analysis_started_at, j.job_name, j.build_number, j.failure_count, j.child_job_count,
       coalesce(nullif(j.summary, ''), case when j.status = 'failed' then j.error end, '')
           as summary,
       j.error, j.result is not null as has_result,
       (select count(*) from reviews r where r.job_id = j.id and r.reviewed) as reviewed_count,
       (select count(*) from comments c where c.job_id = j.id) as comment_count
  from jobs j
"""
select_dashboard_first = (
    _dashboard_columns
    + """
 order by j.created_at desc, j.id desc limit $1
"""
)
select_dashboard_after = (
    _dashboard_columns
    + """
 where (j.created_at, j.id) < ($2, $3)
 order by j.created_at desc, j.id desc limit $1
"""
)
select_dashboard_before = (
    _dashboard_columns
    + """
 where (j.created_at, j.id) > ($2, $3)
 order by j.created_at, j.id limit $1
"""
)


async def dashboard(conn: Conn, request: PageRequest) -> list[asyncpg.Record]:
    """Newest jobs with review and comment counts: `limit + 1` rows in travel order."""
    key = request.key
    if key is None:
        rows: list[asyncpg.Record] = await conn.fetch(select_dashboard_first, request.limit + 1)
        return rows
    sql = select_dashboard_before if request.backwards else select_dashboard_after
    rows = await conn.fetch(sql, request.limit + 1, key.at, uuid.UUID(str(key.id)))
    return rows


select_review_status = """
select j.failure_count as total_failures,
       (select count(*) from reviews r where r.job_id = j.id and r.reviewed) as reviewed_count,
       (select count(*) from comments c where c.job_id = j.id) as comment_count
  from jobs j where j.id = $1
"""


async def review_status(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_review_status, job_id)
    return row


# Comments, reviews, failures, analyses, classifications, totals and inputs all go with
# the job (ON DELETE CASCADE); AI usage rows stay, detached, for cost reporting.
delete_job_row = "delete from jobs where id = $1 returning id"


async def delete_job(conn: Conn, job_id: uuid.UUID) -> bool:
    deleted = await conn.fetchval(delete_job_row, job_id)
    return deleted is not None


select_ai_configs = """
select distinct ai_provider, ai_model from jobs
 where status = 'completed' and ai_provider <> ''
 order by ai_provider, ai_model
"""


async def ai_configs(conn: Conn) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_ai_configs)
    return rows
