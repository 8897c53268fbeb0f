"""The reconciler: Postgres says what should be running; Redis is made to agree.

A job whose row is pending (past a grace period) or whose lease expired is
enqueued again with `_job_id` = its row id, which arq deduplicates: a job still
in the queue is not doubled, a job lost with Redis is restored.
"""

from __future__ import annotations

import asyncpg
from arq.connections import ArqRedis

from verdict.logging import get_logger
from verdict.queue import enqueue_analysis, enqueue_jira
from verdict.settings import Settings
from verdict.storage import jobs as jobs_repo

log = get_logger(__name__)


async def reconcile(pool: asyncpg.Pool[asyncpg.Record], redis: ArqRedis, settings: Settings) -> int:
    async with pool.acquire() as conn:
        stale = await jobs_repo.stale_jobs(conn, settings.reconcile_grace_s)
    requeued = 0
    for row in stale:
        # A job handed to the jira_enricher goes back to it, not to a new analysis.
        if row["phase"] == "enriching_jira":
            queued = await enqueue_jira(redis, settings, row["id"])
        else:
            queued = await enqueue_analysis(redis, settings, row["id"], row["kind"])
        requeued += queued
    if stale:
        log.info("reconciled stale jobs", found=len(stale), requeued=requeued)
    return requeued
