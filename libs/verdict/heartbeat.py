"""Worker heartbeats: how the gateway and `verdict health` know a worker is alive.

Every worker process beats every `VERDICT_HEARTBEAT_INTERVAL_S` from a task of its
own event loop (not an arq cron: a cron waits for a free job slot, so a worker busy
with long jobs would look dead). Each beat goes to two places:

- Redis, a sorted set per queue (`<prefix>:workers:<queue>`, member `host:pid`, score
  the beat's unix time), which `/api/health` reads to say, per queue, how many
  workers beat within `VERDICT_HEARTBEAT_STALE_S` and how stale the freshest is.
  A FLUSHALL empties it; the next beat restores it.
- a local file (`<dir>/verdict-<queue>.heartbeat`), whose age `verdict health
  <worker>` checks: a k8s exec liveness probe that does not depend on Redis, so a
  Redis outage does not get every worker restarted.

A beat that cannot reach Redis is logged once per outage, and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError

from verdict.logging import get_logger
from verdict.metrics import WorkerMetrics
from verdict.queue import Worker as Queue
from verdict.settings import Settings

log = get_logger(__name__)

# Beats older than this many stale periods are pruned from the set by the next beat.
PRUNE_AFTER_STALE_PERIODS = 10


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeats_key(settings: Settings, queue: Queue) -> str:
    return f"{settings.queue_prefix}:workers:{queue}"


def heartbeat_file(settings: Settings, queue: Queue) -> Path:
    folder = Path(settings.heartbeat_dir or tempfile.gettempdir())
    return folder / f"verdict-{queue}.heartbeat"


async def beat(redis: Any, settings: Settings, queue: Queue, member: str) -> None:
    """One beat into Redis: this worker's time, and the long-dead pruned."""
    now = time.time()
    horizon = now - settings.heartbeat_stale_s * PRUNE_AFTER_STALE_PERIODS
    key = heartbeats_key(settings, queue)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zadd(key, {member: now})
        pipe.zremrangebyscore(key, "-inf", horizon)
        await pipe.execute()


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{time.time():.3f} {os.getpid()}\n", "utf-8")


@dataclass
class Heartbeat:
    """The beating task of one worker process; `stop()` removes its Redis entry."""

    redis: Any
    settings: Settings
    queue: Queue
    member: str
    task: asyncio.Task[None] | None = None
    metrics: WorkerMetrics | None = None
    _redis_down: bool = False

    @classmethod
    def start(
        cls, redis: Any, settings: Settings, queue: Queue, metrics: WorkerMetrics | None = None
    ) -> Heartbeat:
        heart = cls(redis, settings, queue, worker_id(), metrics=metrics)
        heart.task = asyncio.create_task(heart._run(), name=f"heartbeat:{queue}")
        return heart

    async def _run(self) -> None:
        path = heartbeat_file(self.settings, self.queue)
        while True:
            try:
                await asyncio.to_thread(touch, path)
            except OSError as exc:
                log.warning("heartbeat file not writable", path=str(path), error=str(exc))
            if self.metrics is not None:
                self.metrics.heartbeat.set_to_current_time()
            await self._beat_redis()
            await asyncio.sleep(self.settings.heartbeat_interval_s)

    async def _beat_redis(self) -> None:
        try:
            await asyncio.wait_for(
                beat(self.redis, self.settings, self.queue, self.member),
                self.settings.heartbeat_interval_s,
            )
        except (RedisError, OSError, TimeoutError) as exc:
            if not self._redis_down:
                log.warning("heartbeat cannot reach Redis", queue=self.queue, error=str(exc))
            self._redis_down = True
            return
        if self._redis_down:
            log.info("heartbeat reaches Redis again", queue=self.queue)
        self._redis_down = False

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        # A worker that stops cleanly says so at once instead of going stale.
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            key = heartbeats_key(self.settings, self.queue)
            await asyncio.wait_for(self.redis.zrem(key, self.member), 2)
        with contextlib.suppress(OSError):
            heartbeat_file(self.settings, self.queue).unlink()


@dataclass(frozen=True)
class QueueWorkers:
    """Who beat on one queue: fresh workers, and the age of the freshest beat."""

    queue: Queue
    fresh: int
    freshest_age_s: float | None

    def as_dict(self, stale_s: float) -> dict[str, Any]:
        return {
            "status": "up" if self.fresh else "down",
            "workers": self.fresh,
            "last_heartbeat_age_s": (
                round(self.freshest_age_s, 1) if self.freshest_age_s is not None else None
            ),
            "stale_after_s": stale_s,
        }


async def queue_workers(redis: Any, settings: Settings, queue: Queue) -> QueueWorkers:
    beats = await redis.zrange(heartbeats_key(settings, queue), 0, -1, withscores=True)
    now = time.time()
    ages = [max(0.0, now - float(score)) for _member, score in beats]
    fresh = sum(1 for age in ages if age <= settings.heartbeat_stale_s)
    return QueueWorkers(queue, fresh, min(ages) if ages else None)


def local_heartbeat_age(settings: Settings, queue: Queue) -> float | None:
    """Seconds since this host's worker of `queue` last beat; None without a beat."""
    path = heartbeat_file(settings, queue)
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except OSError:
        return None
