"""Live progress of a job: events in a Redis Stream per job, read by the SSE endpoint.

`XADD <prefix>:progress:<job_id>` per event (capped with MAXLEN, expiring a day
after the last event). The stream id is the SSE event id, so a client that
reconnects with `Last-Event-ID` reads on from exactly where it stopped.

Progress is a convenience, never a dependency: when Redis is down publishing logs
once and gives up for that job; the job itself goes on (Postgres has its state).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from verdict.logging import get_logger
from verdict.settings import Settings

log = get_logger(__name__)

MAXLEN = 1000
TTL_S = 24 * 3600
# A publish waits at most this long: a slow or dead Redis must not slow the job.
PUBLISH_TIMEOUT_S = 2.0

# Event names.
PHASE = "phase"
GROUPS = "groups"
CHILD = "child"
DONE = "done"


def stream_key(settings: Settings, job_id: uuid.UUID | str) -> str:
    return f"{settings.queue_prefix}:progress:{job_id}"


@dataclass
class Progress:
    """Publishes one job's events. Cheap to build; safe to call with Redis down."""

    redis: Redis | None
    settings: Settings
    job_id: uuid.UUID
    _broken: bool = field(default=False, init=False)

    async def publish(self, event: str, **data: Any) -> str | None:
        """The stream id of the event, or None when it could not be published."""
        if self.redis is None or self._broken:
            return None
        key = stream_key(self.settings, self.job_id)
        fields = {"event": event, "data": json.dumps({"job_id": str(self.job_id), **data})}
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT_S):
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.xadd(key, fields, maxlen=MAXLEN, approximate=True)  # type: ignore[arg-type]
                    pipe.expire(key, TTL_S)
                    stream_id, _ = await pipe.execute()
        except (RedisError, OSError, TimeoutError) as exc:
            self._broken = True
            log.warning(
                "progress not published; going on without it",
                job_id=str(self.job_id),
                error=str(exc) or type(exc).__name__,
            )
            return None
        return stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)

    async def phase(self, phase: str, **data: Any) -> None:
        await self.publish(PHASE, phase=phase, **data)

    async def groups_done(self, done: int, total: int) -> None:
        await self.publish(GROUPS, done=done, total=total)

    async def done(self, status: str, **data: Any) -> None:
        await self.publish(DONE, status=status, **data)


@dataclass(frozen=True)
class Event:
    id: str
    event: str
    data: str

    def sse(self) -> bytes:
        lines = [f"id: {self.id}"] if self.id else []
        lines.append(f"event: {self.event}")
        lines.extend(f"data: {line}" for line in self.data.splitlines() or [""])
        return ("\n".join(lines) + "\n\n").encode()


def done_event(job_id: str, status: str, summary: str = "", error: str = "") -> Event:
    """A `done` built from the job row, for a stream that expired or never got one."""
    data: dict[str, Any] = {"job_id": job_id, "status": status}
    if summary:
        data["summary"] = summary
    if error:
        data["error"] = error
    return Event("", DONE, json.dumps(data))


async def read(
    redis: Redis, settings: Settings, job_id: uuid.UUID, after: str, *, block_ms: int | None
) -> list[Event]:
    """Events after stream id `after` ("0" for all), waiting up to `block_ms` for one."""
    key = stream_key(settings, job_id)
    answer = await redis.xread({key: after}, count=100, block=block_ms)
    events = []
    for _stream, entries in answer or []:
        for entry_id, fields in entries:
            events.append(
                Event(
                    _text(entry_id),
                    _text(fields.get(b"event", b"message")),
                    _text(fields.get(b"data", b"{}")),
                )
            )
    return events


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
