"""Stored results: GET /results/{job_id}, GET /results, GET /api/dashboard,
DELETE /results/{job_id}, DELETE /api/results/bulk, GET /ai-configs."""

from __future__ import annotations

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import require_admin
from services.gateway.keys import deps_of
from services.gateway.openapi import (
    AiConfig,
    DashboardQuery,
    DashboardRow,
    ResultsQuery,
    ResultSummary,
    documented,
)
from services.gateway.params import int_query, page_request, parse_job_id, run_filter
from services.gateway.responses import encoded_response
from verdict.contracts.results import BulkDeleteRequest, BulkDeleteResult, ResultDeleted
from verdict.services import results
from verdict.services.results import DASHBOARD_LIMIT

routes = web.RouteTableDef()
TAGS = ["results"]


@routes.get("/results/{job_id}")
@documented(
    responses={200: dict[str, object], 202: dict[str, object]},
    summary="One result (202 while the job runs)",
    tags=TAGS,
)
async def get_result(request: web.Request) -> web.Response:
    """The envelope and stored result; gzipped for clients that accept it."""
    entry = await results.get_result(deps_of(request), parse_job_id(request))
    return encoded_response(request, entry)


@routes.get("/results")
@documented(
    query=ResultsQuery,
    responses={200: list[ResultSummary]},
    summary="Recent results, newest first",
    tags=TAGS,
)
async def list_results(request: web.Request) -> web.Response:
    limit = int_query(request, "limit", 50, lo=1, hi=100)
    found = await results.list_results(deps_of(request), limit, run_filter(request))
    return web.json_response(found)


@routes.get("/api/dashboard")
@documented(
    query=DashboardQuery,
    responses={200: list[DashboardRow]},
    summary="The newest jobs with review and comment counts (X-Next-Cursor pages on)",
    tags=TAGS,
)
async def dashboard(request: web.Request) -> web.Response:
    """The 500 newest jobs (those the run filters match); `after`/`before` cursors page
    further (X-Next-Cursor)."""
    page = page_request(request, default=DASHBOARD_LIMIT, hi=DASHBOARD_LIMIT)
    found = await results.dashboard(deps_of(request), page, run_filter(request))
    headers = {}
    if found.pagination["next_cursor"]:
        headers["X-Next-Cursor"] = found.pagination["next_cursor"]
    if found.pagination["prev_cursor"]:
        headers["X-Prev-Cursor"] = found.pagination["prev_cursor"]
    return web.Response(text=found.rows, headers=headers, content_type="application/json")


@routes.delete("/results/{job_id}")
@documented(responses={200: ResultDeleted}, summary="Delete a result (admin)", tags=TAGS)
async def delete_result(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    job_id = parse_job_id(request)
    await results.delete_result(deps_of(request), identity, job_id)
    return web.json_response({"status": "deleted", "job_id": str(job_id)})


@routes.delete("/api/results/bulk")
@documented(
    request=BulkDeleteRequest,
    responses={200: BulkDeleteResult},
    summary="Delete several results and everything related (admin)",
    tags=TAGS,
)
async def bulk_delete(request: web.Request) -> web.Response:
    """jenkins-job-insight's bulk delete (its CLI's `results delete` with several ids).
    One transaction; unknown ids are reported, not fatal."""
    identity = await require_admin(request)
    body = await read_model(request, BulkDeleteRequest)
    return web.json_response(await results.delete_results(deps_of(request), identity, body.job_ids))


@routes.get("/ai-configs")
@documented(
    responses={200: list[AiConfig]},
    summary="AI providers and models used by completed analyses",
    tags=TAGS,
)
async def ai_configs(request: web.Request) -> web.Response:
    return web.json_response(await results.ai_configs(deps_of(request)))
