"""What outbound webhook events say about a job: its state and its signature groups."""

from __future__ import annotations

import uuid

import asyncpg

from verdict.storage.pool import Conn

select_state = """
select id, kind, status, phase, attempts, job_name, build_number, summary, failure_count,
       error, error_code
  from jobs where id = $1
"""


async def job_state(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_state, job_id)
    return row


select_groups = """
select a.signature, a.classification, a.source, a.child_job_name, a.child_build_number,
       coalesce(array_agg(f.test_name order by f.id) filter (where f.id is not null), '{}')
           as tests
  from analyses a
  left join failures f on f.analysis_id = a.id
 where a.job_id = $1
 group by a.id
 order by a.id
"""


async def job_groups(conn: Conn, job_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_groups, job_id)
    return rows
