"""How the service is doing: readiness, Prometheus metrics, capabilities.

Readiness (`/api/health`) answers whether this deployment can do its work right now:

- `unhealthy` (HTTP 503): Postgres or Redis does not answer; requests would fail.
- `degraded` (HTTP 200): both answer, but some queue has no worker whose heartbeat is
  fresher than `VERDICT_HEARTBEAT_STALE_S`; the gateway still accepts and keeps jobs
  (they run once a worker is back), so a load balancer should keep sending traffic: a
  503 here would turn a dead analyzer into an outage of the whole API.
- `healthy`: everything answers and every queue has a live worker.

Nothing secret is in the answer: errors are the exception's class and message with any
credentials in a URL masked.

`verdict_queue_depth{queue=...}` is the number of jobs waiting in each arq queue (a Redis
sorted set), the signal a KEDA Prometheus trigger (deploy/k8s) scales each worker on.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable
from typing import Any

import asyncpg
from prometheus_client import generate_latest
from redis.exceptions import RedisError

from verdict.contracts.envelope import capabilities
from verdict.contracts.identity import CI_SYSTEMS, IDENTITY_FIELDS
from verdict.errors import ServiceUnavailable
from verdict.heartbeat import queue_workers
from verdict.metrics import ClusterState, HttpMetrics, cluster_metrics
from verdict.queue import Worker
from verdict.services.deps import Deps
from verdict.storage.jobs import job_counts
from verdict.storage.pool import ping
from verdict.storage.reuse import ai_usage_totals

PROBE_TIMEOUT_S = 2.0
QUEUES: tuple[Worker, ...] = ("analyze", "jira", "tracker")
STATUSES = ("pending", "waiting", "running", "completed", "failed")
_URL_CREDENTIALS = re.compile(r"(\w+://)[^@/\s]*@")


def safe_error(exc: BaseException) -> str:
    message = _URL_CREDENTIALS.sub(r"\1***@", str(exc))[:200]
    return f"{exc.__class__.__name__}: {message}" if message else exc.__class__.__name__


async def _probe(check: Awaitable[object]) -> dict[str, str]:
    try:
        await asyncio.wait_for(check, PROBE_TIMEOUT_S)
    except Exception as exc:
        return {"status": "down", "error": safe_error(exc)}
    return {"status": "up"}


async def dependencies(deps: Deps) -> dict[str, Any]:
    """Readiness: Postgres, Redis, and the live workers of each queue (see above)."""
    postgres, redis_state = await asyncio.gather(_probe(ping(deps.pool)), _probe(deps.queue.ping()))
    workers: dict[str, Any] = {}
    if redis_state["status"] == "up":
        for queue in QUEUES:
            try:
                found = await asyncio.wait_for(
                    queue_workers(deps.queue, deps.settings, queue), PROBE_TIMEOUT_S
                )
                workers[queue] = found.as_dict(deps.settings.heartbeat_stale_s)
            except Exception as exc:
                workers[queue] = {"status": "unknown", "error": safe_error(exc)}
    ready = postgres["status"] == "up" and redis_state["status"] == "up"
    every_queue = ready and all(w.get("status") == "up" for w in workers.values())
    status = "healthy" if every_queue else "degraded" if ready else "unhealthy"
    body = {"status": status, "postgres": postgres, "redis": redis_state, "workers": workers}
    return {**body, "checks": _checks(postgres, redis_state, workers)}


def _checks(
    postgres: dict[str, str], redis: dict[str, str], workers: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """The same facts as `{name: {status, detail}}`, the shape jji's `health` prints."""
    checks = {
        "postgres": {"status": postgres["status"], "detail": postgres.get("error", "")},
        "redis": {"status": redis["status"], "detail": redis.get("error", "")},
    }
    for queue, found in workers.items():
        age = found.get("last_heartbeat_age_s")
        detail = found.get("error") or (
            f"{found['workers']} live, last heartbeat {age:g}s ago"
            if age is not None
            else "no heartbeat"
        )
        checks[f"worker {queue}"] = {"status": found["status"], "detail": detail}
    return checks


async def _queue_state(deps: Deps, state: ClusterState) -> None:
    now = time.time()
    for queue in QUEUES:
        key = deps.settings.queue_name(queue)
        state.queue_depth[queue] = await deps.queue.zcard(key)
        # arq scores are the time (ms) a job is due: the lowest is the longest waiting.
        first = await deps.queue.zrange(key, 0, 0, withscores=True)
        state.oldest_age_s[queue] = max(0.0, now - first[0][1] / 1000) if first else 0.0
        found = await queue_workers(deps.queue, deps.settings, queue)
        state.live_workers[queue] = found.fresh
        if found.freshest_age_s is not None:
            state.heartbeat_age_s[queue] = found.freshest_age_s


async def metrics_text(deps: Deps, http: HttpMetrics | None = None) -> bytes:
    """Prometheus text: this gateway's HTTP numbers, then the shared state (see
    verdict.metrics for why each is exported where it is)."""
    state = ClusterState()
    try:
        await asyncio.wait_for(_queue_state(deps, state), PROBE_TIMEOUT_S)
    except (RedisError, OSError, TimeoutError, ServiceUnavailable):
        state.redis_up = False
    try:
        async with deps.pool.acquire(timeout=PROBE_TIMEOUT_S) as conn:
            state.jobs = await job_counts(conn)
            state.ai_usage = await ai_usage_totals(conn)
    except (asyncpg.PostgresError, OSError, TimeoutError):
        state.postgres_up = False
    own = generate_latest(http.registry) if http is not None else b""
    return own + cluster_metrics(state, STATUSES)


def service_capabilities(deps: Deps) -> dict[str, Any]:
    """The envelope's capabilities, plus what a pipeline client may rely on: the run
    identity fields POST /analyze-failures stores (a server without `run_identity`
    ignores them)."""
    return {
        **capabilities(deps.settings).model_dump(),
        "run_identity": {"fields": sorted(IDENTITY_FIELDS), "ci": list(CI_SYSTEMS)},
    }
