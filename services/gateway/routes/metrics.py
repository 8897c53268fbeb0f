"""GET /metrics: Prometheus text, for dashboards and for scaling workers on queue depth.

`verdict_queue_depth{queue=...}` is the number of jobs waiting in each arq queue (a
Redis sorted set), the signal a KEDA Prometheus trigger (deploy/k8s) scales each
worker Deployment on.
"""

from __future__ import annotations

from aiohttp import web
from redis.exceptions import RedisError

from services.gateway.keys import PG, REDIS, SETTINGS
from services.gateway.openapi import documented
from verdict.storage.metrics import job_counts

routes = web.RouteTableDef()

QUEUES = ("analyze", "jira", "tracker")
STATUSES = ("pending", "waiting", "running", "completed", "failed")


@routes.get("/metrics")
@documented(
    responses={200: str},
    media_type="text/plain",
    summary="Prometheus metrics: queue depth and jobs by status",
    tags=["service"],
)
async def metrics(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    lines = [
        "# HELP verdict_queue_depth Jobs waiting in each worker queue.",
        "# TYPE verdict_queue_depth gauge",
    ]
    redis_up = 1
    for queue in QUEUES:
        try:
            depth = await request.app[REDIS].zcard(settings.queue_name(queue))  # type: ignore[misc]
        except (RedisError, OSError):
            redis_up = 0
            continue
        lines.append(f'verdict_queue_depth{{queue="{queue}"}} {depth}')
    async with request.app[PG].acquire() as conn:
        counts = await job_counts(conn)
    lines += [
        "# HELP verdict_jobs Analysis jobs by status.",
        "# TYPE verdict_jobs gauge",
        *(f'verdict_jobs{{status="{s}"}} {counts.get(s, 0)}' for s in STATUSES),
        "# HELP verdict_redis_up Whether Redis answered.",
        "# TYPE verdict_redis_up gauge",
        f"verdict_redis_up {redis_up}",
    ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain", charset="utf-8")
