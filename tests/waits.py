"""Explicit waits for tests that race a request against a worker run.

A synchronous POST /analyze-failures stores its job, enqueues it and then waits; a burst
worker started before the enqueue finds an empty queue and exits. `until_queued` waits
for the job row and its queue entry (the enqueue follows the commit), bounded.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.gateway.keys import DEPS


async def until_queued(client: Any, count: int = 1, timeout_s: float = 30.0) -> None:
    """Until `count` analysis jobs are stored and waiting in the analyze queue."""
    deps = client.app[DEPS]
    queue = deps.settings.queue_name("analyze")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        rows = await deps.pool.fetchval("select count(*) from jobs where status = 'pending'")
        if rows >= count and await deps.queue.zcard(queue) >= count:
            return
        if loop.time() > deadline:
            raise AssertionError(f"no {count} queued job(s) after {timeout_s:g} s")
        await asyncio.sleep(0.01)
