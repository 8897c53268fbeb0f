"""The jira_enricher's rows: the hand-over from the analyzer, the patch, the finish."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from verdict.storage.jobs import notify_done
from verdict.storage.pool import Conn

claim_enrichment = """
update jobs
   set lease_until = now() + make_interval(secs => $2), attempts = attempts + 1,
       updated_at = now()
 where id = $1 and status = 'running' and phase = 'enriching_jira'
returning id, request_params, result
"""


async def claim(conn: Conn, job_id: uuid.UUID, lease_s: float) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(claim_enrichment, job_id, float(lease_s))
    return row


select_identities = """
select test_name, classname, name from failures where job_id = $1 and classname || name <> ''
"""


async def junit_identities(conn: Conn, job_id: uuid.UUID) -> dict[str, tuple[str, str]]:
    """test_name -> (classname, name) for a JUnit job, to re-enrich its XML exactly."""
    rows = await conn.fetch(select_identities, job_id)
    return {r["test_name"]: (r["classname"], r["name"]) for r in rows}


select_output_names = "select name from job_outputs where job_id = $1"


async def output_names(conn: Conn, job_id: uuid.UUID) -> set[str]:
    return {r["name"] for r in await conn.fetch(select_output_names, job_id)}


update_bug_report = """
update analyses set product_bug_report = $3 where job_id = $1 and signature = $2
"""
update_code_fix = """
update analyses set code_fix = $3 where job_id = $1 and signature = $2
"""

finish_enriched = """
update jobs
   set status = 'completed', phase = 'saving', result = $2, lease_until = null,
       completed_at = now(), updated_at = now(),
       progress_log = progress_log || jsonb_build_array(
           jsonb_build_object('phase', 'saving', 'timestamp', extract(epoch from now())))
 where id = $1 and status = 'running' and phase = 'enriching_jira'
"""


async def finish(
    conn: Conn,
    job_id: uuid.UUID,
    result: dict[str, Any],
    bug_reports: dict[str, dict[str, Any]],
    code_fixes: dict[str, dict[str, Any]],
    outputs: list[tuple[str, int, bytes]],
) -> None:
    """Write the matches into the result, the group rows and the enriched XML; complete."""
    from verdict.storage.analyses import upsert_output

    async with conn.transaction():
        for signature, report in bug_reports.items():
            await conn.execute(update_bug_report, job_id, signature, report)
        for signature, fix in code_fixes.items():
            await conn.execute(update_code_fix, job_id, signature, fix)
        for name, size, payload in outputs:
            await conn.execute(upsert_output, job_id, name, size, payload)
        await conn.execute(finish_enriched, job_id, result)
        await notify_done(conn, job_id)


give_up_enrichment = """
update jobs
   set status = 'completed', phase = 'saving', lease_until = null, completed_at = now(),
       updated_at = now(), result = result || jsonb_build_object('jira_error', $2::text)
 where id = $1 and status = 'running' and phase = 'enriching_jira'
"""


async def give_up(conn: Conn, job_id: uuid.UUID, error: str) -> None:
    """Complete the analysis without matches when enrichment keeps crashing."""
    async with conn.transaction():
        await conn.execute(give_up_enrichment, job_id, error)
        await notify_done(conn, job_id)
