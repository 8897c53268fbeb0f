"""POST /analyze-failures: store the job and its input, enqueue, and (by default) wait."""

from __future__ import annotations

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.keys import deps_of
from services.gateway.openapi import AnalyzeQuery, Queued, documented
from services.gateway.params import bool_query
from services.gateway.responses import queued
from verdict.contracts.requests import AnalyzeFailuresRequest
from verdict.contracts.results import FailureAnalysisResult
from verdict.services import analysis

routes = web.RouteTableDef()


@routes.post("/analyze-failures")
@documented(
    request=AnalyzeFailuresRequest,
    query=AnalyzeQuery,
    responses={200: FailureAnalysisResult, 202: Queued},
    summary="Analyze a list of failures or a JUnit XML report",
    tags=["analysis"],
)
async def analyze_failures(request: web.Request) -> web.Response:
    wait = bool_query(request, "wait", True)
    body = await read_model(request, AnalyzeFailuresRequest)
    submitted = await analysis.analyze_failures(deps_of(request), body, wait=wait)
    if submitted.result is None:
        return queued(request, str(submitted.job_id))
    return web.Response(text=submitted.result, content_type="application/json")
