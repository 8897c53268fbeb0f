"""The analyzer worker: consumes the analyze queue. Thin: the work is in verdict.analysis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
import structlog
from arq import Retry, cron, func

from verdict.analysis.direct import run_direct_analysis
from verdict.analysis.engine import TriageEngine
from verdict.analysis.events import JobEvents
from verdict.analysis.jenkins import run_jenkins_analysis
from verdict.heartbeat import Heartbeat
from verdict.logging import get_logger
from verdict.progress import Progress
from verdict.queue import ANALYZE_FAILURES, ANALYZE_JENKINS, enqueue_jira, redis_settings
from verdict.reconcile import reconcile
from verdict.services import triage_model
from verdict.services.deps import Deps
from verdict.settings import Settings
from verdict.storage import jobs as jobs_repo
from verdict.storage.pool import create_pool
from verdict.triage.classifier import default_model
from verdict.triage.providers import AiLimiter

log = get_logger(__name__)

# Seconds to wait before each retry of a job that crashed (not one with bad input).
RETRY_SCHEDULE = (5, 30, 120)
MAX_TRIES = len(RETRY_SCHEDULE) + 1


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["pg"] = await create_pool(settings.database_url)
    ctx["http"] = aiohttp.ClientSession()
    ctx["heartbeat"] = Heartbeat.start(ctx["redis"], settings, "analyze", ctx.get("metrics"))
    # One limiter per process: nested work (children, groups, peers) shares its slots.
    ctx["engine"] = TriageEngine(
        ctx["pg"], settings, ctx["http"], AiLimiter(settings.max_concurrent_ai_calls)
    )
    # Train the shipped model now (about a second, off the loop), not in the first job.
    await asyncio.to_thread(default_model)


async def shutdown(ctx: dict[str, Any]) -> None:
    if "heartbeat" in ctx:
        await ctx["heartbeat"].stop()
    await ctx["http"].close()
    await ctx["pg"].close()


async def analyze_failures(ctx: dict[str, Any], job_id: str) -> str:
    progress = Progress(ctx.get("redis"), ctx["settings"], uuid.UUID(job_id))
    return await _run(
        ctx,
        job_id,
        run_direct_analysis(
            ctx["engine"], uuid.UUID(job_id), progress=progress, hand_to_jira=_jira_hand_off(ctx)
        ),
    )


async def analyze_jenkins(ctx: dict[str, Any], job_id: str, poll_token: int | None = None) -> str:
    """A Jenkins build: analysed, or (still running) re-deferred with `_defer_by`."""
    return await _run(
        ctx,
        job_id,
        run_jenkins_analysis(
            ctx["engine"],
            ctx.get("redis"),
            uuid.UUID(job_id),
            poll_token,
            hand_to_jira=_jira_hand_off(ctx),
        ),
    )


async def _run(ctx: dict[str, Any], job_id: str, work: Coroutine[Any, Any, str]) -> str:
    """One run of a job: webhook events around it, crash handling, the log line."""
    structlog.contextvars.bind_contextvars(job_id=job_id)
    events = JobEvents(ctx["pg"], ctx.get("redis"), ctx["settings"])
    try:
        await events.started(uuid.UUID(job_id))
        try:
            outcome = await work
        except Exception as exc:
            outcome = await _crashed(ctx, job_id, exc)
        await events.outcome(uuid.UUID(job_id))
    finally:
        structlog.contextvars.unbind_contextvars("job_id")
    log.info("analysis done", job_id=job_id, outcome=outcome)
    return outcome


def _jira_hand_off(ctx: dict[str, Any]) -> Callable[[uuid.UUID], Awaitable[bool]]:
    """Queue a saved analysis for the jira_enricher (its PRODUCT BUG groups)."""

    async def hand_off(job_id: uuid.UUID) -> bool:
        return await enqueue_jira(ctx["redis"], ctx["settings"], job_id)

    return hand_off


async def _crashed(ctx: dict[str, Any], job_id: str, exc: Exception) -> str:
    """A crash-like error: retry on the schedule, then record the failure for good."""
    async with ctx["pg"].acquire() as conn:
        if ctx["job_try"] >= MAX_TRIES:
            detail = f"analysis failed after {MAX_TRIES} attempts: {exc}"
            await jobs_repo.mark_failed(conn, uuid.UUID(job_id), detail, "ANALYSIS_FAILED")
            log.exception("analysis failed for good")
            await Progress(ctx.get("redis"), ctx["settings"], uuid.UUID(job_id)).done(
                "failed", error=detail
            )
            return detail
        await jobs_repo.release(conn, uuid.UUID(job_id))
    log.exception("analysis crashed, retrying", job_try=ctx["job_try"])
    raise Retry(defer=RETRY_SCHEDULE[ctx["job_try"] - 1]) from exc


async def reconcile_jobs(ctx: dict[str, Any]) -> int:
    return await reconcile(ctx["pg"], ctx["redis"], ctx["settings"])


async def retrain_triage(ctx: dict[str, Any]) -> int:
    """Nightly: the builtin classifier learns the day's human overrides."""
    report = await triage_model.retrain(Deps(ctx["settings"], ctx["pg"]))
    return report.model_id


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for arq.Worker; tests run the same options with burst=True."""
    every = settings.reconcile_interval_s
    return {
        "functions": [
            func(
                analyze_failures,
                name=ANALYZE_FAILURES,
                max_tries=MAX_TRIES,
                timeout=settings.job_timeout_s,
            ),
            func(
                analyze_jenkins,
                name=ANALYZE_JENKINS,
                max_tries=MAX_TRIES,
                timeout=settings.job_timeout_s,
            ),
        ],
        "cron_jobs": [
            *(
                [
                    cron(
                        retrain_triage,
                        name="analyzer.retrain_triage",
                        hour={settings.retrain_hour},
                        minute={0},
                        unique=True,
                        timeout=600,
                    )
                ]
                if settings.retrain_hour >= 0
                else []
            ),
            cron(
                reconcile_jobs,
                name="analyzer.reconcile",
                second=set(range(0, 60, every)) if every < 60 else {0},
                run_at_startup=True,
                unique=True,
                timeout=60,
            ),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "queue_name": settings.queue_name("analyze"),
        "redis_settings": redis_settings(settings),
        "max_jobs": settings.analyzer_max_jobs,
        # Results live in Postgres; keeping none in Redis also lets the reconciler
        # re-enqueue a finished id at once should its row ever need it.
        "keep_result": 0,
        "ctx": {"settings": settings},
        "handle_signals": True,
    }
