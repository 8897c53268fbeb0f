"""How the service is doing: dependency health, Prometheus metrics, capabilities.

`verdict_queue_depth{queue=...}` is the number of jobs waiting in each arq queue (a Redis
sorted set), the signal a KEDA Prometheus trigger (deploy/k8s) scales each worker on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from redis.exceptions import RedisError

from verdict.contracts.envelope import capabilities
from verdict.queue import Worker
from verdict.services.deps import Deps
from verdict.storage.metrics import job_counts
from verdict.storage.pool import ping

PROBE_TIMEOUT_S = 2.0
QUEUES: tuple[Worker, ...] = ("analyze", "jira", "tracker")
STATUSES = ("pending", "waiting", "running", "completed", "failed")


async def _probe(check: Awaitable[object]) -> dict[str, str]:
    try:
        await asyncio.wait_for(check, PROBE_TIMEOUT_S)
    except Exception as exc:
        return {"status": "down", "error": str(exc) or exc.__class__.__name__}
    return {"status": "up"}


async def dependencies(deps: Deps) -> dict[str, Any]:
    """Postgres and Redis, each probed on its own."""
    postgres = await _probe(ping(deps.pool))
    redis = await _probe(deps.queue.ping())
    healthy = postgres["status"] == "up" and redis["status"] == "up"
    return {"status": "healthy" if healthy else "unhealthy", "postgres": postgres, "redis": redis}


async def metrics_text(deps: Deps) -> str:
    """Prometheus text: queue depth per worker queue, jobs by status, Redis up."""
    lines = [
        "# HELP verdict_queue_depth Jobs waiting in each worker queue.",
        "# TYPE verdict_queue_depth gauge",
    ]
    redis_up = 1
    for queue in QUEUES:
        try:
            depth = await deps.queue.zcard(deps.settings.queue_name(queue))
        except (RedisError, OSError):
            redis_up = 0
            continue
        lines.append(f'verdict_queue_depth{{queue="{queue}"}} {depth}')
    async with deps.pool.acquire() as conn:
        counts = await job_counts(conn)
    lines += [
        "# HELP verdict_jobs Analysis jobs by status.",
        "# TYPE verdict_jobs gauge",
        *(f'verdict_jobs{{status="{s}"}} {counts.get(s, 0)}' for s in STATUSES),
        "# HELP verdict_redis_up Whether Redis answered.",
        "# TYPE verdict_redis_up gauge",
        f"verdict_redis_up {redis_up}",
    ]
    return "\n".join(lines) + "\n"


def service_capabilities(deps: Deps) -> dict[str, Any]:
    return capabilities(deps.settings).model_dump()
