"""Outbound webhook events for a job, emitted by the workers around each run.

The events follow the job row, the source of truth: a run that claims a fresh job
announces `analysis.started`; a run that leaves the job completed announces
`analysis.completed` and one `failure.classified` per signature group; a run that
leaves it failed announces `analysis.failed`. A job still waiting for Jenkins or
handed to the jira_enricher announces nothing yet. Emitting never fails a job.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from arq.connections import ArqRedis

from verdict.contracts.envelope import result_url
from verdict.logging import get_logger
from verdict.settings import Settings
from verdict.storage import analyses as analyses_repo
from verdict.storage import jobs as jobs_repo
from verdict.webhooks.outbound import emit_event

log = get_logger(__name__)

# How many test names a failure.classified event lists (its `affected_tests_total` says all).
MAX_EVENT_TESTS = 100


class JobEvents:
    def __init__(
        self, pool: asyncpg.Pool[asyncpg.Record], redis: ArqRedis | None, settings: Settings
    ) -> None:
        self._pool, self._redis, self._settings = pool, redis, settings

    async def started(self, job_id: uuid.UUID) -> None:
        """Announce a job this run is about to claim for the first time."""
        async with self._pool.acquire() as conn:
            row = await jobs_repo.job_state(conn, job_id)
        if row is not None and row["status"] == "pending" and row["attempts"] == 0:
            await self._emit(
                "analysis.started",
                {
                    "job_id": str(job_id),
                    "kind": row["kind"],
                    "job_name": row["job_name"],
                    "build_number": row["build_number"],
                },
            )

    async def outcome(self, job_id: uuid.UUID) -> None:
        """Announce how the run left the job, if it ended."""
        async with self._pool.acquire() as conn:
            row = await jobs_repo.job_state(conn, job_id)
            groups = await analyses_repo.job_groups(conn, job_id) if row else []
        if row is None:
            return
        if row["status"] == "failed":
            await self._emit(
                "analysis.failed",
                {"job_id": str(job_id), "error": row["error"], "error_code": row["error_code"]},
            )
        elif row["status"] == "completed":
            await self._emit(
                "analysis.completed",
                {
                    "job_id": str(job_id),
                    "status": "completed",
                    "summary": row["summary"],
                    "failure_count": row["failure_count"],
                    "result_url": result_url(self._settings, str(job_id)),
                },
            )
            for group in groups:
                tests = list(group["tests"])
                await self._emit(
                    "failure.classified",
                    {
                        "job_id": str(job_id),
                        "error_signature": group["signature"],
                        "classification": group["classification"],
                        "source": group["source"],
                        "child_job_name": group["child_job_name"],
                        "child_build_number": group["child_build_number"],
                        "affected_tests": tests[:MAX_EVENT_TESTS],
                        "affected_tests_total": len(tests),
                    },
                )

    async def _emit(self, event: str, payload: dict[str, Any]) -> None:
        if self._redis is None:
            return
        try:
            await emit_event(self._pool, self._redis, self._settings, event, payload)
        except Exception:
            # A webhook is a notification: it must never turn a finished analysis into
            # a failed one. The deliveries that were written are retried by the tracker.
            log.exception("webhook event not emitted", webhook_event=event)
