"""The jira_enricher worker: consumes the jira queue. Thin: the work is in verdict.analysis.

`jira.enrich` finds existing Jira bugs for a saved analysis's PRODUCT BUG groups
and completes the job; `jira.ping` proves the worker consumes its own queue.
"""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import structlog
from arq import Retry, func

from verdict.analysis.events import JobEvents
from verdict.analysis.jira_enrich import enrich_with_jira
from verdict.heartbeat import Heartbeat
from verdict.jira_match import MemorySearchCache
from verdict.logging import get_logger
from verdict.progress import Progress
from verdict.queue import JIRA_ENRICH, JIRA_PING, redis_settings
from verdict.settings import Settings
from verdict.storage import analyses as analyses_repo
from verdict.storage.pool import create_pool

log = get_logger(__name__)

RETRY_SCHEDULE = (5, 30, 120)
MAX_TRIES = len(RETRY_SCHEDULE) + 1


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["pg"] = await create_pool(settings.database_url)
    ctx["http"] = aiohttp.ClientSession()
    ctx["heartbeat"] = Heartbeat.start(ctx["redis"], settings, "jira", ctx.get("metrics"))
    # One cache per worker: the same keyword set searched by many jobs costs one search.
    ctx["jira_cache"] = MemorySearchCache(ttl_s=settings.jira_cache_ttl_s)


async def shutdown(ctx: dict[str, Any]) -> None:
    if "heartbeat" in ctx:
        await ctx["heartbeat"].stop()
    await ctx["http"].close()
    await ctx["pg"].close()


async def enrich(ctx: dict[str, Any], job_id: str) -> str:
    structlog.contextvars.bind_contextvars(job_id=job_id)
    try:
        outcome = await enrich_with_jira(
            ctx["pg"], ctx["settings"], ctx["http"], ctx["jira_cache"], uuid.UUID(job_id)
        )
    except Exception as exc:
        # Jira errors are recorded in the result, not raised; this is a crash (DB, bug).
        log.exception("jira enrichment crashed", job_try=ctx["job_try"])
        if ctx["job_try"] >= MAX_TRIES:
            detail = f"Jira enrichment failed after {MAX_TRIES} attempts: {exc}"
            async with ctx["pg"].acquire() as conn:
                await analyses_repo.give_up_enrichment(conn, uuid.UUID(job_id), detail)
            await JobEvents(ctx["pg"], ctx.get("redis"), ctx["settings"]).outcome(uuid.UUID(job_id))
            return detail
        raise Retry(defer=RETRY_SCHEDULE[ctx["job_try"] - 1]) from exc
    finally:
        structlog.contextvars.unbind_contextvars("job_id")
    await Progress(ctx.get("redis"), ctx["settings"], uuid.UUID(job_id)).done(
        "completed", summary=outcome
    )
    await JobEvents(ctx["pg"], ctx.get("redis"), ctx["settings"]).outcome(uuid.UUID(job_id))
    log.info("jira enrichment done", outcome=outcome)
    return outcome


async def ping(ctx: dict[str, Any], token: str) -> str:
    return f"jira_enricher:{token}"


def worker_options(settings: Settings) -> dict[str, Any]:
    return {
        "functions": [
            func(enrich, name=JIRA_ENRICH, max_tries=MAX_TRIES, timeout=settings.job_timeout_s),
            func(ping, name=JIRA_PING, timeout=10, keep_result=60),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "queue_name": settings.queue_name("jira"),
        "redis_settings": redis_settings(settings),
        "keep_result": 0,
        "ctx": {"settings": settings},
    }
