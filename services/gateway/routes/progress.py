"""GET /results/{job_id}/progress: a job's live progress as Server-Sent Events.

Events come from the job's Redis Stream (see verdict.progress): `phase`,
`groups` (analysed so far), `child`, `collected`, and a final `done` with the
status, after which the stream closes. The SSE id is the stream id, so a client
reconnecting with `Last-Event-ID` misses nothing. A job already finished answers
with its stored events and `done` at once (a `done` built from the row when the
stream has expired).
"""

from __future__ import annotations

import re

from aiohttp import web
from redis.exceptions import RedisError

from services.gateway.keys import PG, REDIS, SETTINGS
from services.gateway.middlewares import REQUEST_ID, REQUEST_ID_KEY
from services.gateway.openapi import documented
from services.gateway.routes.results import parse_job_id
from verdict import progress as progress_events
from verdict.errors import NotFound, ValidationFailed
from verdict.logging import get_logger
from verdict.storage import jenkins as jenkins_repo

log = get_logger(__name__)
routes = web.RouteTableDef()

FINISHED = frozenset({"completed", "failed"})
_STREAM_ID = re.compile(r"^\d+(-\d+)?$")
# Below the Redis client's socket timeout (5 s); between reads the row is checked,
# so a job that ended without a `done` event (a worker killed) still closes the stream.
BLOCK_MS = 2000


@routes.get("/results/{job_id}/progress")
@documented(
    summary="Live progress of a job (Server-Sent Events)",
    description=(
        "text/event-stream. Events: phase, groups, child, collected, done. Send "
        "Last-Event-ID (or ?last_event_id=) to resume after an event."
    ),
    tags=["results"],
)
async def job_progress(request: web.Request) -> web.StreamResponse:
    job_id = parse_job_id(request)
    after = (
        request.headers.get("Last-Event-ID") or request.query.get("last_event_id") or "0"
    ).strip()
    if not _STREAM_ID.match(after):
        raise ValidationFailed("Last-Event-ID must be a progress event id (like 1712345678901-0)")
    pool, redis, settings = request.app[PG], request.app[REDIS], request.app[SETTINGS]
    async with pool.acquire() as conn:
        row = await jenkins_repo.progress_state(conn, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")

    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            REQUEST_ID: request.get(REQUEST_ID_KEY, ""),
        }
    )
    await response.prepare(request)
    while True:
        finished = row["status"] in FINISHED
        try:
            events = await progress_events.read(
                redis, settings, job_id, after, block_ms=None if finished else BLOCK_MS
            )
        except (RedisError, OSError) as exc:
            log.warning("progress stream unreadable", job_id=str(job_id), error=str(exc))
            events = []
            if not finished:
                await response.write(b'event: error\ndata: {"detail": "progress unavailable"}\n\n')
                break
        for event in events:
            await response.write(event.sse())
            after = event.id
            if event.event == progress_events.DONE:
                return await _close(response)
        if finished and not events:
            done = progress_events.done_event(
                str(job_id), row["status"], row["summary"], row["error"]
            )
            await response.write(done.sse())
            break
        if not events:
            await response.write(b": keep-alive\n\n")
            async with pool.acquire() as conn:
                row = await jenkins_repo.progress_state(conn, job_id) or row
    return await _close(response)


async def _close(response: web.StreamResponse) -> web.StreamResponse:
    await response.write_eof()
    return response
