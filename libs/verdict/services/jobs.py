"""The state rules every job-scoped operation shares: does the job exist, is it finished."""

from __future__ import annotations

import uuid
from typing import Any

from verdict.errors import Conflict, JobStillRunning, NotFound
from verdict.services.deps import Deps
from verdict.storage import jobs as jobs_repo

IN_PROGRESS = frozenset(jobs_repo.UNFINISHED)


async def require_job(deps: Deps, job_id: uuid.UUID) -> str:
    """The job's status; 404 when there is no such job."""
    async with deps.pool.acquire() as conn:
        status = await jobs_repo.job_status(conn, job_id)
    if status is None:
        raise NotFound(f"job {job_id} not found")
    return status


async def require_completed(deps: Deps, job_id: uuid.UUID) -> None:
    """Only a completed job takes comments, reviews, overrides and issues:
    404 unknown, 202 (JobStillRunning) still in progress, 409 failed."""
    status = await require_job(deps, job_id)
    if status in IN_PROGRESS:
        raise JobStillRunning(str(job_id), status)
    if status == "failed":
        raise Conflict(f"job {job_id} failed; its result cannot be changed")


async def stored_params(deps: Deps, job_id: uuid.UUID) -> dict[str, Any]:
    """The job's stored (redacted) request parameters; {} when there are none."""
    async with deps.pool.acquire() as conn:
        row = await jobs_repo.get_job(conn, job_id)
    params = row["request_params"] if row is not None else None
    return dict(params or {})
