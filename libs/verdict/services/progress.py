"""A job's live progress as Server-Sent Events text.

Events come from the job's Redis Stream (see verdict.progress): `phase`, `groups`
(analysed so far), `child`, `collected`, and a final `done` with the status, after which
the stream ends. The SSE id is the stream id, so a client reconnecting with
`Last-Event-ID` misses nothing. A job already finished answers with its stored events and
`done` at once (a `done` built from the row when the stream has expired).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from redis.exceptions import RedisError

from verdict import progress as progress_events
from verdict.errors import NotFound, ValidationFailed
from verdict.logging import get_logger
from verdict.services.deps import Deps
from verdict.storage import jobs as jobs_repo

log = get_logger(__name__)

FINISHED = frozenset({"completed", "failed"})
_STREAM_ID = re.compile(r"^\d+(-\d+)?$")
# Below the Redis client's socket timeout (5 s); between reads the row is checked,
# so a job that ended without a `done` event (a worker killed) still ends the stream.
BLOCK_MS = 2000
KEEP_ALIVE = b": keep-alive\n\n"
UNAVAILABLE = b'event: error\ndata: {"detail": "progress unavailable"}\n\n'


async def _state(deps: Deps, job_id: uuid.UUID) -> Any:
    async with deps.pool.acquire() as conn:
        return await jobs_repo.job_state(conn, job_id)


async def open_stream(deps: Deps, job_id: uuid.UUID, after: str) -> AsyncIterator[bytes]:
    """Check the job and the resume id now (404, 422), then stream SSE chunks."""
    if not _STREAM_ID.match(after):
        raise ValidationFailed("Last-Event-ID must be a progress event id (like 1712345678901-0)")
    row = await _state(deps, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return _events(deps, job_id, after, row)


async def _events(deps: Deps, job_id: uuid.UUID, after: str, row: Any) -> AsyncIterator[bytes]:
    while True:
        finished = row["status"] in FINISHED
        try:
            events = await progress_events.read(
                deps.queue, deps.settings, job_id, after, block_ms=None if finished else BLOCK_MS
            )
        except (RedisError, OSError) as exc:
            log.warning("progress stream unreadable", job_id=str(job_id), error=str(exc))
            events = []
            if not finished:
                yield UNAVAILABLE
                return
        for event in events:
            yield event.sse()
            after = event.id
            if event.event == progress_events.DONE:
                return
        if finished and not events:
            done = progress_events.done_event(
                str(job_id), row["status"], row["summary"], row["error"]
            )
            yield done.sse()
            return
        if not events:
            yield KEEP_ALIVE
            row = await _state(deps, job_id) or row
