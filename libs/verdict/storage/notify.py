"""Wait for a job to finish without polling: Postgres LISTEN/NOTIFY.

The analyzer's final transaction runs pg_notify('verdict_job_done', id); one
listening connection per gateway process wakes every request waiting on that id.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable

import asyncpg

from verdict.logging import get_logger
from verdict.storage.jobs import DONE_CHANNEL

log = get_logger(__name__)

CHANNEL = DONE_CHANNEL


class JobWaiter:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None
        self._waiters: defaultdict[str, set[asyncio.Future[None]]] = defaultdict(set)
        self._closing = False
        self._reconnect_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._conn = await asyncpg.connect(self._dsn)
        await self._conn.add_listener(CHANNEL, self._on_notify)
        self._conn.add_termination_listener(self._on_lost)

    async def close(self) -> None:
        self._closing = True
        if self._reconnect_task:
            self._reconnect_task.cancel()
        if self._conn and not self._conn.is_closed():
            await self._conn.close()

    async def wait(
        self,
        job_id: str,
        timeout_s: float,
        is_done: Callable[[], Awaitable[bool]],
    ) -> bool:
        """True once the job is done, False when `timeout_s` passes first.

        Subscribes before checking, so a notification between the check and the
        wait cannot be missed; every wake-up re-checks the row, the source of truth.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            future: asyncio.Future[None] = loop.create_future()
            self._waiters[job_id].add(future)
            try:
                if await is_done():
                    return True
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                try:
                    await asyncio.wait_for(future, remaining)
                except TimeoutError:
                    return await is_done()
            finally:
                waiters = self._waiters.get(job_id)
                if waiters is not None:
                    waiters.discard(future)
                    if not waiters:
                        del self._waiters[job_id]

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        for future in self._waiters.get(str(payload), ()):
            if not future.done():
                future.set_result(None)

    def _on_lost(self, _conn: object) -> None:
        if not self._closing:
            log.warning("job listener connection lost, reconnecting")
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.5
        while not self._closing:
            try:
                await self.start()
            except (OSError, asyncpg.PostgresError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
                continue
            # Wake everyone so they re-check: a notification may have been missed.
            for futures in self._waiters.values():
                for future in futures:
                    if not future.done():
                        future.set_result(None)
            return
