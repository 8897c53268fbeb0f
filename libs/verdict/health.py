"""Readiness: can this deployment do its work right now? What `/api/health` answers.

- `unhealthy` (HTTP 503): Postgres or Redis does not answer; requests would fail.
- `degraded` (HTTP 200): both answer, but some queue has no worker whose heartbeat is
  fresher than `VERDICT_HEARTBEAT_STALE_S`; the gateway still accepts and keeps jobs
  (they run once a worker is back), so a load balancer should keep sending traffic: a
  503 here would turn a dead analyzer into an outage of the whole API.
- `healthy`: everything answers and every queue has a live worker.

Nothing secret is in the answer: errors are the exception's class and message with any
credentials in a URL masked.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import Any

import asyncpg

from verdict.heartbeat import QUEUES, queue_workers
from verdict.settings import Settings
from verdict.storage.pool import ping

PROBE_TIMEOUT_S = 2.0
_URL_CREDENTIALS = re.compile(r"(\w+://)[^@/\s]*@")


def _safe_error(exc: BaseException) -> str:
    message = _URL_CREDENTIALS.sub(r"\1***@", str(exc))[:200]
    return f"{exc.__class__.__name__}: {message}" if message else exc.__class__.__name__


async def _probe(check: Awaitable[object]) -> dict[str, str]:
    try:
        await asyncio.wait_for(check, PROBE_TIMEOUT_S)
    except Exception as exc:
        return {"status": "down", "error": _safe_error(exc)}
    return {"status": "up"}


async def readiness(
    pool: asyncpg.Pool[asyncpg.Record], redis: Any, settings: Settings
) -> tuple[dict[str, Any], bool]:
    """The readiness answer and whether it is ready (healthy or degraded)."""
    postgres, redis_state = await asyncio.gather(_probe(ping(pool)), _probe(redis.ping()))
    workers: dict[str, Any] = {}
    if redis_state["status"] == "up":
        for queue in QUEUES:
            try:
                found = await asyncio.wait_for(
                    queue_workers(redis, settings, queue), PROBE_TIMEOUT_S
                )
                workers[queue] = found.as_dict(settings.heartbeat_stale_s)
            except Exception as exc:
                workers[queue] = {"status": "unknown", "error": _safe_error(exc)}
    ready = postgres["status"] == "up" and redis_state["status"] == "up"
    every_queue = ready and all(w.get("status") == "up" for w in workers.values())
    status = "healthy" if every_queue else "degraded" if ready else "unhealthy"
    body = {"status": status, "postgres": postgres, "redis": redis_state, "workers": workers}
    return {**body, "checks": _checks(postgres, redis_state, workers)}, ready


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
