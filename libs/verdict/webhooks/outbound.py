"""Emitting events: one delivery row per matching subscription, queued after commit."""

from __future__ import annotations

from typing import Any

import asyncpg
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from verdict.contracts.tracker import EVENTS
from verdict.logging import get_logger
from verdict.settings import Settings
from verdict.storage import webhooks as repo
from verdict.tracker.calls import WEBHOOK_DELIVER

log = get_logger(__name__)


async def emit_event(
    pool: asyncpg.Pool, redis: ArqRedis, settings: Settings, event: str, payload: dict[str, Any]
) -> list[int]:
    """Record `event` for every active subscription to it and queue the deliveries.

    The rows are committed first, then queued: a delivery whose enqueue fails stays
    pending in Postgres, and the tracker's reconciler cron queues it again. Returns
    the delivery ids (empty when nobody subscribed).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    async with pool.acquire() as conn, conn.transaction():
        ids = await repo.add_deliveries(conn, event, payload)
    for delivery_id in ids:
        await enqueue_delivery(redis, settings, delivery_id)
    return ids


async def enqueue_delivery(
    redis: ArqRedis, settings: Settings, delivery_id: int, *, defer_s: float = 0.0
) -> bool:
    try:
        await redis.enqueue_job(
            WEBHOOK_DELIVER,
            delivery_id,
            _job_id=f"webhook:{delivery_id}",
            _queue_name=settings.queue_name("tracker"),
            _defer_by=defer_s or None,
        )
    except (RedisError, OSError) as exc:
        log.warning(
            "webhook enqueue failed, reconciler will retry", delivery=delivery_id, error=str(exc)
        )
        return False
    return True
