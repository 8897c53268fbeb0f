"""The report, `/results/{job_id}` for a browser: one card per signature group, a page of
groups at a time; an analysis still running sends the browser to its status page."""

from __future__ import annotations

from aiohttp import web

from services.gateway.identity import current_identity
from services.gateway.keys import SETTINGS, deps_of
from services.gateway.pages.negotiate import negotiated
from services.gateway.pages.render import render
from services.gateway.pages.status import job_id_of
from services.gateway.params import int_query
from verdict.contracts.envelope import capabilities
from verdict.services import reports

GROUPS_PER_PAGE = 20
UNFINISHED = frozenset({"pending", "waiting", "running"})


@negotiated(r"/results/(?P<job_id>[^/]+)")
async def report_page(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
    job_id = job_id_of(params)
    page = int_query(request, "page", 1, lo=1, hi=100_000)
    view = await reports.report(deps_of(request), job_id, page=page, per_page=GROUPS_PER_PAGE)
    if view.job["status"] in UNFINISHED:
        raise web.HTTPSeeOther(f"/status/{job_id}")
    identity = await current_identity(request)
    settings = request.app[SETTINGS]
    return await render(
        request,
        "report.html",
        {
            "view": view,
            "job": view.job,
            "caps": capabilities(settings),
            "can_write": not settings.require_auth or identity.can("history:write"),
            "can_analyze": not settings.require_auth or identity.can("analysis:write"),
            "providers": ("builtin", "openai", "anthropic", "gemini", "claude", "cursor"),
        },
    )
