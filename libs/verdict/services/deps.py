"""Deps: everything a service operation may use, in one explicit object.

Built once per process (the gateway's cleanup_ctx, a worker's startup, a CLI command)
with `open_deps`, and handed to every service function as its first argument. Nothing a
service uses lives in a module global.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import asyncpg
from arq.connections import ArqRedis

from verdict.errors import ServiceUnavailable
from verdict.queue import close, connect
from verdict.services.caches import Caches
from verdict.settings import Settings
from verdict.storage.notify import JobWaiter
from verdict.storage.pool import create_pool


@dataclass
class Deps:
    settings: Settings
    pool: asyncpg.Pool[asyncpg.Record]
    # None where a process has no queue to talk to (some tests, one-off commands).
    redis: ArqRedis | None = None
    # Wakes callers that wait for a job (LISTEN/NOTIFY); the gateway has one.
    waiter: JobWaiter | None = None
    # The process's one HTTP client session, for the services that call out.
    http: aiohttp.ClientSession | None = None
    caches: Caches = field(default_factory=Caches)

    @property
    def queue(self) -> ArqRedis:
        """The Redis connection, for operations that cannot do without one."""
        if self.redis is None:
            raise ServiceUnavailable("this process has no Redis connection")
        return self.redis

    @property
    def job_waiter(self) -> JobWaiter:
        if self.waiter is None:
            raise ServiceUnavailable("this process does not listen for finished jobs")
        return self.waiter


@contextlib.asynccontextmanager
async def open_deps(
    settings: Settings,
    *,
    redis: ArqRedis | None = None,
    connect_redis: bool = False,
    listen: bool = False,
    http: bool = False,
    pool_size: int = 10,
) -> AsyncIterator[Deps]:
    """Open what is asked for, and close it (in reverse order) on the way out.

    `redis`: a connection the caller owns (an arq worker's); `connect_redis`: open one
    here (it connects lazily, so a process starts and keeps its jobs with Redis down);
    `listen`: a JobWaiter; `http`: an aiohttp session.
    """
    async with contextlib.AsyncExitStack() as stack:
        pool = await create_pool(settings.database_url, max_size=pool_size)
        stack.push_async_callback(pool.close)
        deps = Deps(settings, pool, redis=redis)
        if listen:
            deps.waiter = JobWaiter(settings.database_url)
            await deps.waiter.start()
            stack.push_async_callback(deps.waiter.close)
        if redis is None and connect_redis:
            deps.redis = connect(settings)
            stack.push_async_callback(close, deps.redis)
        if http:
            deps.http = aiohttp.ClientSession()
            stack.push_async_callback(deps.http.close)
        yield deps
