"""A per-worker cap on concurrent AI calls.

One `AiLimiter` lives in each worker process and is passed down to everything that
calls an AI: groups, child jobs, peers and debate rounds. A slot is held only for the
duration of ONE provider call, never across awaits on other AI work, so nested fan-out
(a debate inside a group inside a child job) can never wait on itself. Acquiring a
second slot while already holding one is refused loudly, because that is exactly the
pattern that deadlocks once every slot is held by a waiting parent.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_holding: contextvars.ContextVar[bool] = contextvars.ContextVar("ai_slot_held", default=False)


class AiLimiter:
    """At most `max_concurrent` AI calls in flight in this process."""

    def __init__(self, max_concurrent: int) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.max_concurrent = max_concurrent
        self._sem = asyncio.Semaphore(max_concurrent)
        self.in_flight = 0
        self.peak = 0  # highest in_flight seen; cheap to keep, useful in metrics and tests

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for one provider call."""
        if _holding.get():
            raise RuntimeError("nested AI call while holding an AI slot would deadlock")
        async with self._sem:
            token = _holding.set(True)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1
                _holding.reset(token)
