"""The status page, `/status/{job_id}`: a running analysis, live (status.js reads the job's
progress events); a finished one sends the browser on to its report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aiohttp import web

from services.gateway.keys import deps_of
from services.gateway.pages.render import render
from verdict.errors import NotFound
from verdict.services import reports

routes = web.RouteTableDef()


def job_id_of(params: dict[str, str]) -> uuid.UUID:
    raw = params["job_id"]
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"job {raw!r} not found") from None


@routes.get("/status/{job_id}")
async def status_page(request: web.Request) -> web.StreamResponse:
    job_id = job_id_of(dict(request.match_info))
    job = await reports.job_state(deps_of(request), job_id)
    if job["status"] == "completed":
        raise web.HTTPSeeOther(f"/results/{job_id}")
    return await render(request, "status.html", {"job": job, "now": datetime.now(UTC)})
