"""GET /results/{job_id}/progress: a job's live progress as Server-Sent Events
(verdict.services.progress writes the events)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import deps_of
from services.gateway.middlewares import REQUEST_ID, REQUEST_ID_KEY
from services.gateway.openapi import documented
from services.gateway.params import parse_job_id
from verdict.services import progress

routes = web.RouteTableDef()


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
    events = await progress.open_stream(deps_of(request), job_id, after)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            REQUEST_ID: request.get(REQUEST_ID_KEY, ""),
        }
    )
    await response.prepare(request)
    async for chunk in events:
        await response.write(chunk)
    await response.write_eof()
    return response
