"""Jobs: the row that owns every analysis, its input, its lease and its result."""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import asyncpg

from verdict.errors import NotFound
from verdict.storage.pool import Conn

UNFINISHED = ("pending", "waiting", "running")


@dataclass(frozen=True)
class NewJob:
    kind: str
    request_params: dict[str, Any]
    content_type: str
    payload: bytes
    job_name: str = ""
    build_number: int = 0
    jenkins_url: str = ""
    ai_provider: str = ""
    ai_model: str = ""
    secrets: bytes | None = None  # encrypted request credentials, see job_secrets


insert_job = """
insert into jobs (id, kind, request_params, job_name, build_number, jenkins_url,
                  ai_provider, ai_model)
values ($1, $2, $3, $4, $5, $6, $7, $8)
"""
insert_input = """
insert into job_inputs (job_id, content_type, size_bytes, payload) values ($1, $2, $3, $4)
"""


def compress(payload: bytes) -> bytes:
    # Level 1: reports compress ~10x at disk speed; higher levels cost seconds on 50 MB.
    return zlib.compress(payload, 1)


async def create_job(conn: Conn, job: NewJob) -> uuid.UUID:
    """Write the job and its input in one transaction. The caller enqueues after commit."""
    job_id = uuid.uuid4()
    async with conn.transaction():
        await conn.execute(
            insert_job,
            job_id,
            job.kind,
            job.request_params,
            job.job_name,
            job.build_number,
            job.jenkins_url,
            job.ai_provider,
            job.ai_model,
        )
        await conn.execute(
            insert_input, job_id, job.content_type, len(job.payload), compress(job.payload)
        )
        if job.secrets:
            await save_secrets(conn, job_id, job.secrets)
    return job_id


claim_job = """
update jobs
   set status = 'running',
       phase = $3,
       progress_log = progress_log || jsonb_build_array(
           jsonb_build_object('phase', $3::text, 'timestamp', extract(epoch from now()))),
       attempts = attempts + 1,
       lease_until = now() + make_interval(secs => $2),
       analysis_started_at = coalesce(analysis_started_at, now()),
       updated_at = now()
 where id = $1
   and (status = 'pending' or (status in ('running', 'waiting') and lease_until < now()))
returning id, kind, request_params, job_name, build_number, attempts
"""


async def claim(conn: Conn, job_id: uuid.UUID, lease_s: float, phase: str) -> asyncpg.Record | None:
    """Take the job if nobody holds a live lease on it. None: done, or someone else has it."""
    row: asyncpg.Record | None = await conn.fetchrow(claim_job, job_id, float(lease_s), phase)
    return row


extend_lease = """
update jobs set lease_until = now() + make_interval(secs => $2), updated_at = now()
 where id = $1 and status = 'running'
"""


async def renew_lease(conn: Conn, job_id: uuid.UUID, lease_s: float) -> None:
    await conn.execute(extend_lease, job_id, float(lease_s))


set_phase = """
update jobs
   set phase = $2,
       progress_log = progress_log || jsonb_build_array(
           jsonb_build_object('phase', $2::text, 'timestamp', extract(epoch from now()))),
       updated_at = now()
 where id = $1
"""


async def record_phase(conn: Conn, job_id: uuid.UUID, phase: str) -> None:
    await conn.execute(set_phase, job_id, phase)


select_input = "select content_type, payload from job_inputs where job_id = $1"


async def load_stored_input(conn: Conn, job_id: uuid.UUID) -> tuple[str, bytes]:
    """The input as stored: (content type, zlib-compressed payload)."""
    row = await conn.fetchrow(select_input, job_id)
    if row is None:
        raise NotFound(f"job {job_id} has no stored input")
    return row["content_type"], row["payload"]


async def load_input(conn: Conn, job_id: uuid.UUID) -> tuple[str, bytes]:
    row = await conn.fetchrow(select_input, job_id)
    if row is None:
        raise NotFound(f"job {job_id} has no stored input")
    return row["content_type"], zlib.decompress(row["payload"])


finish_failed = """
update jobs
   set status = 'failed', error = $2, error_code = $3, lease_until = null,
       completed_at = now(), updated_at = now(),
       result = jsonb_build_object('job_id', id::text, 'status', 'failed', 'error', $2::text,
                                   'summary', $2::text)
 where id = $1
"""


async def mark_failed(conn: Conn, job_id: uuid.UUID, error: str, code: str) -> None:
    async with conn.transaction():
        await conn.execute(finish_failed, job_id, error, code)
        await notify_done(conn, job_id)


async def notify_done(conn: Conn, job_id: uuid.UUID) -> None:
    # Delivered on commit: listeners never see a job "done" before its rows are.
    await conn.execute("select pg_notify('verdict_job_done', $1)", str(job_id))


select_job = """
select id, kind, status, phase, progress_log, request_params, job_name, build_number,
       jenkins_url, summary, error, error_code, ai_provider, ai_model, result,
       created_at, analysis_started_at, completed_at
  from jobs where id = $1
"""


async def get_job(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_job, job_id)
    return row


select_status = "select status from jobs where id = $1"


async def job_status(conn: Conn, job_id: uuid.UUID) -> str | None:
    status: str | None = await conn.fetchval(select_status, job_id)
    return status


select_recent = """
select id, jenkins_url, status, created_at from jobs order by created_at desc, id limit $1
"""


async def list_recent(conn: Conn, limit: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_recent, limit)
    return rows


select_stale = """
select id, kind, phase from jobs
 where (status = 'pending' and created_at < now() - make_interval(secs => $1))
    or (status in ('running', 'waiting') and lease_until < now())
 order by created_at
 limit $2
"""


async def stale_jobs(conn: Conn, grace_s: float, limit: int = 500) -> list[asyncpg.Record]:
    """Jobs that should be moving but whose queue entry may be lost (Redis flushed, crash)."""
    rows: list[asyncpg.Record] = await conn.fetch(select_stale, float(grace_s), limit)
    return rows


release_job = """
update jobs set status = 'pending', lease_until = null, updated_at = now()
 where id = $1 and status = 'running'
"""


async def release(conn: Conn, job_id: uuid.UUID) -> None:
    """Give a job back after a crash-like error, so its retry can claim it at once."""
    await conn.execute(release_job, job_id)


upsert_secrets = """
insert into job_secrets (job_id, payload) values ($1, $2)
on conflict (job_id) do update set payload = excluded.payload
"""
select_secrets = "select payload from job_secrets where job_id = $1"
delete_secrets = "delete from job_secrets where job_id = $1"


async def save_secrets(conn: Conn, job_id: uuid.UUID, payload: bytes) -> None:
    await conn.execute(upsert_secrets, job_id, payload)


async def load_secrets(conn: Conn, job_id: uuid.UUID) -> bytes | None:
    payload: bytes | None = await conn.fetchval(select_secrets, job_id)
    return payload


async def forget_secrets(conn: Conn, job_id: uuid.UUID) -> None:
    await conn.execute(delete_secrets, job_id)
