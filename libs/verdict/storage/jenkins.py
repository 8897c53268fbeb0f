"""Jenkins jobs: webhook-deduplicated creation, claiming across waits, the waiting state.

A job waiting for its Jenkins build holds no worker slot: its row says `waiting`
with `lease_until` = next poll + grace, and an arq job deferred to the next poll
carries a poll token (the row's `attempts` when it went waiting). That job may
claim the row at once; any other (the reconciler's, after a Redis flush) only
once the lease has expired. So at most one poll chain lives per job.
"""

from __future__ import annotations

import uuid

import asyncpg

from verdict.storage.jobs import NewJob, compress
from verdict.storage.pool import Conn

insert_webhook_job = """
insert into jobs (id, kind, request_params, job_name, build_number, jenkins_url,
                  ai_provider, ai_model, triggered_by)
values ($1, 'jenkins', $2, $3, $4, $5, $6, $7, 'webhook')
on conflict (job_name, build_number) where triggered_by = 'webhook' do nothing
returning id
"""
select_webhook_job = """
select id from jobs where job_name = $1 and build_number = $2 and triggered_by = 'webhook'
"""
insert_input = """
insert into job_inputs (job_id, content_type, size_bytes, payload) values ($1, $2, $3, $4)
"""


async def create_webhook_job(conn: Conn, job: NewJob) -> tuple[uuid.UUID, bool]:
    """(job id, created). A build already queued by a webhook returns its job, not a new one."""
    job_id = uuid.uuid4()
    async with conn.transaction():
        created = await conn.fetchval(
            insert_webhook_job,
            job_id,
            job.request_params,
            job.job_name,
            job.build_number,
            job.jenkins_url,
            job.ai_provider,
            job.ai_model,
        )
        if created is None:
            existing: uuid.UUID = await conn.fetchval(
                select_webhook_job, job.job_name, job.build_number
            )
            return existing, False
        await conn.execute(
            insert_input, job_id, job.content_type, len(job.payload), compress(job.payload)
        )
    return job_id, True


claim_jenkins_job = """
update jobs
   set status = 'running',
       attempts = attempts + 1,
       lease_until = now() + make_interval(secs => $2),
       analysis_started_at = coalesce(analysis_started_at, now()),
       updated_at = now()
 where id = $1
   and kind = 'jenkins'
   and (status = 'pending'
        or (status in ('running', 'waiting') and lease_until < now())
        or (status = 'waiting' and attempts = $3))
returning id, request_params, job_name, build_number, jenkins_url, attempts,
          extract(epoch from now() - analysis_started_at)::float8 as waited_s
"""


async def claim(
    conn: Conn, job_id: uuid.UUID, lease_s: float, poll_token: int | None
) -> asyncpg.Record | None:
    """Take the job: pending, lease expired, or waiting and this is its scheduled poll."""
    row: asyncpg.Record | None = await conn.fetchrow(
        claim_jenkins_job, job_id, float(lease_s), poll_token if poll_token is not None else -1
    )
    return row


to_waiting = """
update jobs
   set status = 'waiting',
       lease_until = now() + make_interval(secs => $2),
       progress_log = case when phase = 'waiting_for_jenkins' then progress_log
           else progress_log || jsonb_build_array(jsonb_build_object(
               'phase', 'waiting_for_jenkins', 'timestamp', extract(epoch from now()))) end,
       phase = 'waiting_for_jenkins',
       updated_at = now()
 where id = $1 and status = 'running'
returning attempts
"""


async def wait(conn: Conn, job_id: uuid.UUID, lease_s: float) -> int | None:
    """Put a claimed job to sleep until its next poll; returns its poll token."""
    token: int | None = await conn.fetchval(to_waiting, job_id, float(lease_s))
    return token


set_build_url = "update jobs set jenkins_url = $2, updated_at = now() where id = $1"


async def record_build_url(conn: Conn, job_id: uuid.UUID, url: str) -> None:
    await conn.execute(set_build_url, job_id, url)


select_for_reanalyze = """
select id, kind, status, request_params, job_name, build_number from jobs where id = $1
"""


async def source_job(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_for_reanalyze, job_id)
    return row


select_progress_state = "select status, phase, summary, error from jobs where id = $1"


async def progress_state(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_progress_state, job_id)
    return row
