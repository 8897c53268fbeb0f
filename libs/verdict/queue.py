"""Queue and job names, and enqueueing after commit.

Jobs take ids, never objects: the row in Postgres is the job, the queue entry
only says "look at row X". `_job_id` is the row id, so a retried enqueue (the
gateway, then the reconciler) never runs the same work twice at once.
"""

from __future__ import annotations

import uuid
from typing import Literal

from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from verdict.logging import get_logger
from verdict.settings import Settings

log = get_logger(__name__)

Worker = Literal["analyze", "jira", "tracker"]

ANALYZE_FAILURES = "analyzer.analyze_failures"
ANALYZE_JENKINS = "analyzer.analyze_jenkins"
JIRA_ENRICH = "jira.enrich"
JIRA_PING = "jira.ping"
TRACKER_PING = "tracker.ping"

# Which queue each job kind is consumed from.
JOB_FUNCTION_BY_KIND = {"failures": ANALYZE_FAILURES, "jenkins": ANALYZE_JENKINS}


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url)


def connect(settings: Settings) -> ArqRedis:
    """An ArqRedis that connects lazily: the gateway starts, and keeps its jobs, with Redis down."""
    pool = ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    return ArqRedis(pool, default_queue_name=settings.queue_name("analyze"))


async def close(redis: ArqRedis) -> None:
    # The pool was handed in, so redis-py leaves it open unless told otherwise.
    await redis.aclose(close_connection_pool=True)


async def enqueue_analysis(
    redis: ArqRedis, settings: Settings, job_id: uuid.UUID, kind: str
) -> bool:
    """Queue the analysis of a committed job row. False when Redis did not take it.

    A False is not a lost job: the row says pending, and the reconciler enqueues
    it again once Redis answers.
    """
    try:
        await redis.enqueue_job(
            JOB_FUNCTION_BY_KIND[kind],
            str(job_id),
            _job_id=str(job_id),
            _queue_name=settings.queue_name("analyze"),
        )
    except (RedisError, OSError) as exc:
        log.warning("enqueue failed, reconciler will retry", job_id=str(job_id), error=str(exc))
        return False
    return True


async def enqueue_jira(redis: ArqRedis, settings: Settings, job_id: uuid.UUID) -> bool:
    """Queue the Jira search of a saved analysis (phase enriching_jira) on the jira queue."""
    try:
        await redis.enqueue_job(
            JIRA_ENRICH,
            str(job_id),
            _job_id=f"jira:{job_id}",
            _queue_name=settings.queue_name("jira"),
        )
    except (RedisError, OSError) as exc:
        log.warning("enqueue failed, reconciler will retry", job_id=str(job_id), error=str(exc))
        return False
    return True
