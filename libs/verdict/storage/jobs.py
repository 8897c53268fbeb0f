"""Jobs: the row that owns every analysis. Every write to `jobs` is in this module.

A job's life: created pending (with its input, see inputs.py) → claimed by a worker under
a lease (running, renewed while work runs) → for a Jenkins build still running, `waiting`
until its next poll → completed (its result saved, see analyses.py), or handed to the
jira_enricher first (phase enriching_jira), or failed. Every finish notifies
`verdict_job_done` in its transaction, so waiters wake only after the rows are visible.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from verdict.contracts.identity import RunFilter
from verdict.storage import inputs
from verdict.storage.pool import Conn
from verdict.storage.run_identity import conditions, numbered, run_json

UNFINISHED = ("pending", "waiting", "running")
DONE_CHANNEL = "verdict_job_done"


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
    secrets: bytes | None = None  # encrypted request credentials, see inputs.save_secrets
    # The rest of the run identity (migration 0020); job_name and build_number are above.
    run_id: str = ""
    branch: str = ""
    commit: str = ""
    pull_request: int | None = None
    run_url: str = ""
    ci: str = ""
    labels: dict[str, str] = field(default_factory=dict)


# A webhook-triggered build is one job however often Jenkins notifies (a unique index
# on (job_name, build_number) where triggered_by = 'webhook'); an API job never conflicts.
insert_job = """
insert into jobs (id, kind, request_params, job_name, build_number, jenkins_url,
                  ai_provider, ai_model, triggered_by, run_id, branch, commit_sha,
                  pull_request, run_url, ci, labels)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
on conflict (job_name, build_number) where triggered_by = 'webhook' do nothing
returning id
"""
select_webhook_job = """
select id from jobs where job_name = $1 and build_number = $2 and triggered_by = 'webhook'
"""


async def _create(conn: Conn, job: NewJob, triggered_by: str) -> tuple[uuid.UUID, bool]:
    job_id = uuid.uuid4()
    async with conn.transaction():
        created = await conn.fetchval(
            insert_job,
            job_id,
            job.kind,
            job.request_params,
            job.job_name,
            job.build_number,
            job.jenkins_url,
            job.ai_provider,
            job.ai_model,
            triggered_by,
            job.run_id,
            job.branch,
            job.commit,
            job.pull_request,
            job.run_url,
            job.ci,
            job.labels,
        )
        if created is None:
            existing: uuid.UUID = await conn.fetchval(
                select_webhook_job, job.job_name, job.build_number
            )
            return existing, False
        await inputs.insert_input(conn, job_id, job.content_type, job.payload)
        if job.secrets:
            await inputs.save_secrets(conn, job_id, job.secrets)
    return job_id, True


async def create_job(conn: Conn, job: NewJob) -> uuid.UUID:
    """Write the job and its input in one transaction. The caller enqueues after commit."""
    job_id, _ = await _create(conn, job, "api")
    return job_id


async def create_webhook_job(conn: Conn, job: NewJob) -> tuple[uuid.UUID, bool]:
    """(job id, created). A build already queued by a webhook returns its job, not a new one."""
    return await _create(conn, job, "webhook")


# One claim for every worker. A job is taken when it is pending, when its lease expired
# (its worker died), or when it is waiting for Jenkins and this is its scheduled poll
# ($5, the poll token = `attempts` when it went waiting). `$6` names a hand-off phase
# instead (enriching_jira): the job is taken over from the worker that handed it on.
claim_job = """
update jobs
   set status = 'running',
       phase = coalesce($3::text, phase),
       progress_log = case when $3::text is null then progress_log
           else progress_log || jsonb_build_array(
               jsonb_build_object('phase', $3::text, 'timestamp', extract(epoch from now())))
           end,
       attempts = attempts + 1,
       lease_until = now() + make_interval(secs => $2),
       analysis_started_at = coalesce(analysis_started_at, now()),
       updated_at = now()
 where id = $1
   and ($4::text is null or kind = $4::text)
   and case when $6::text is not null then status = 'running' and phase = $6::text
            else status = 'pending'
                 or (status in ('running', 'waiting') and lease_until < now())
                 or (status = 'waiting' and attempts = $5::integer) end
returning id, kind, request_params, job_name, build_number, jenkins_url, attempts, result,
          extract(epoch from now() - analysis_started_at)::float8 as waited_s
"""


async def claim(
    conn: Conn,
    job_id: uuid.UUID,
    lease_s: float,
    phase: str | None = None,
    *,
    kind: str | None = None,
    poll_token: int | None = None,
    handed_off: str | None = None,
) -> asyncpg.Record | None:
    """Take the job if nobody holds a live lease on it (see claim_job); `phase` is
    recorded as it is taken. None: done, or someone else has it."""
    row: asyncpg.Record | None = await conn.fetchrow(
        claim_job,
        job_id,
        float(lease_s),
        phase,
        kind,
        poll_token if poll_token is not None else -1,
        handed_off,
    )
    return row


extend_lease = """
update jobs set lease_until = now() + make_interval(secs => $2), updated_at = now()
 where id = $1 and status = 'running'
"""


async def renew_lease(conn: Conn, job_id: uuid.UUID, lease_s: float) -> None:
    await conn.execute(extend_lease, job_id, float(lease_s))


_log_phase = """progress_log || jsonb_build_array(
           jsonb_build_object('phase', {p}::text, 'timestamp', extract(epoch from now())))"""
set_phase = f"""
update jobs set phase = $2, progress_log = {_log_phase.format(p="$2")}, updated_at = now()
 where id = $1
"""


async def record_phase(conn: Conn, job_id: uuid.UUID, phase: str) -> None:
    await conn.execute(set_phase, job_id, phase)


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


# What Jenkins says about the build it ran: its URL, commit, branch and pull request.
# Empty values leave what the job already has.
set_build_identity = """
update jobs
   set jenkins_url = coalesce(nullif($2, ''), jenkins_url),
       run_url = coalesce(nullif($2, ''), run_url),
       commit_sha = coalesce(nullif($3, ''), commit_sha),
       branch = coalesce(nullif($4, ''), branch),
       pull_request = coalesce($5, pull_request),
       updated_at = now()
 where id = $1
"""


async def record_build_identity(
    conn: Conn, job_id: uuid.UUID, *, url: str, commit: str, branch: str, pull_request: int | None
) -> None:
    await conn.execute(set_build_identity, job_id, url, commit, branch, pull_request)


release_job = """
update jobs set status = 'pending', lease_until = null, updated_at = now()
 where id = $1 and status = 'running'
"""


async def release(conn: Conn, job_id: uuid.UUID) -> None:
    """Give a job back after a crash-like error, so its retry can claim it at once."""
    await conn.execute(release_job, job_id)


async def notify_done(conn: Conn, job_id: uuid.UUID) -> None:
    # Delivered on commit: listeners never see a job "done" before its rows are.
    await conn.execute(f"select pg_notify('{DONE_CHANNEL}', $1)", str(job_id))


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


_saving = _log_phase.format(p="'saving'")
finish_completed = f"""
update jobs
   set status = 'completed', phase = 'saving', summary = $2, result = $3, failure_count = $4,
       lease_until = null, completed_at = now(), updated_at = now(), progress_log = {_saving}
 where id = $1
"""
# A saved analysis goes on to the jira_enricher: the job stays running, in phase $5, under
# a lease the reconciler watches.
hand_on = f"""
update jobs
   set phase = $5, summary = $2, result = $3, failure_count = $4,
       lease_until = now() + make_interval(secs => $6), updated_at = now(),
       progress_log = {_log_phase.format(p="$5")}
 where id = $1
"""
finish_handed_on = f"""
update jobs
   set status = 'completed', phase = 'saving', result = $2, lease_until = null,
       completed_at = now(), updated_at = now(), progress_log = {_saving}
 where id = $1 and status = 'running' and phase = $3
"""
give_up_handed_on = """
update jobs
   set status = 'completed', phase = 'saving', lease_until = null, completed_at = now(),
       updated_at = now(), result = result || $2::jsonb
 where id = $1 and status = 'running' and phase = $3
"""


async def complete(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    summary: str,
    result: dict[str, Any],
    failure_count: int,
    hand_on_to: str | None = None,
    lease_s: float = 0.0,
) -> None:
    """Complete the job with its result, or (`hand_on_to`, a phase) keep it running for
    the next worker under a lease. Call inside the transaction that saved its rows."""
    if hand_on_to is not None:
        await conn.execute(
            hand_on, job_id, summary, result, failure_count, hand_on_to, float(lease_s)
        )
        return
    await conn.execute(finish_completed, job_id, summary, result, failure_count)
    await notify_done(conn, job_id)


async def complete_handed_on(
    conn: Conn, job_id: uuid.UUID, phase: str, result: dict[str, Any], *, merge: bool = False
) -> None:
    """Complete a job handed on in `phase`: with this result, or (`merge`) the stored one
    with these keys added. Call inside the transaction that saved its rows."""
    await conn.execute(finish_handed_on if not merge else give_up_handed_on, job_id, result, phase)
    await notify_done(conn, job_id)


update_result = "update jobs set result = $2, updated_at = now() where id = $1"


async def replace_result(conn: Conn, job_id: uuid.UUID, result: dict[str, Any]) -> None:
    await conn.execute(update_result, job_id, result)


# Comments, reviews, failures, analyses, classifications, totals and inputs all go with
# the job (ON DELETE CASCADE); AI usage rows stay, detached, for cost reporting.
delete_job_row = "delete from jobs where id = $1 returning id"


async def delete_job(conn: Conn, job_id: uuid.UUID) -> bool:
    deleted = await conn.fetchval(delete_job_row, job_id)
    return deleted is not None


# --- reads ------------------------------------------------------------------------------

select_job = """
select id, kind, status, phase, progress_log, request_params, job_name, build_number,
       jenkins_url, summary, error, error_code, ai_provider, ai_model, result,
       created_at, analysis_started_at, completed_at
  from jobs where id = $1
"""


async def get_job(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    """The whole row, its request and its stored result."""
    row: asyncpg.Record | None = await conn.fetchrow(select_job, job_id)
    return row


select_state = """
select id, kind, status, phase, attempts, job_name, build_number, summary, failure_count,
       error, error_code
  from jobs where id = $1
"""


async def job_state(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    """Where the job is, without its request or result (cheap enough to ask often)."""
    row: asyncpg.Record | None = await conn.fetchrow(select_state, job_id)
    return row


select_status = "select status from jobs where id = $1"


async def job_status(conn: Conn, job_id: uuid.UUID) -> str | None:
    status: str | None = await conn.fetchval(select_status, job_id)
    return status


select_recent = """
select id, jenkins_url, status, created_at, {run} as run from jobs j {where}
 order by created_at desc, id limit $1
"""


async def list_recent(conn: Conn, limit: int, flt: RunFilter | None = None) -> list[asyncpg.Record]:
    """The newest jobs (those `flt` matches), with their `run` identity (a dict)."""
    args: list[object] = [limit]
    clauses = conditions(flt, "j", numbered(args)) if flt else []
    where = "where " + " and ".join(clauses) if clauses else ""
    sql = select_recent.format(run=run_json("j"), where=where)
    rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
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


select_job_counts = "select status, count(*) as n from jobs group by status"


async def job_counts(conn: Conn) -> dict[str, int]:
    """Jobs by status, for /metrics."""
    return {row["status"]: row["n"] for row in await conn.fetch(select_job_counts)}


select_ai_configs = """
select distinct ai_provider, ai_model from jobs
 where status = 'completed' and ai_provider <> ''
 order by ai_provider, ai_model
"""


async def ai_configs(conn: Conn) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_ai_configs)
    return rows
