"""POST /analyze-failures: store the job and its input, enqueue, and (by default) wait."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.keys import PG, REDIS, SETTINGS, WAITER
from services.gateway.openapi import AnalyzeQuery, Queued, documented
from services.gateway.responses import queued
from services.gateway.routes.results import result_text
from verdict.analysis.inputs import JSON_FAILURES, JUNIT_XML, encode_failures
from verdict.analysis.providers import check_ai_config, check_request_urls
from verdict.analysis.secrets import seal
from verdict.contracts.requests import (
    SECRET_KEYS,
    AnalyzeFailuresRequest,
    stored_request_params,
)
from verdict.contracts.results import FailureAnalysisResult
from verdict.errors import BadRequest, InvalidInput
from verdict.queue import enqueue_analysis
from verdict.storage import jobs as jobs_repo
from verdict.storage import results as results_repo

routes = web.RouteTableDef()


def _wants_wait(request: web.Request) -> bool:
    value = request.query.get("wait", "true").strip().lower()
    if value not in {"true", "false", "1", "0", "yes", "no"}:
        raise BadRequest("'wait' must be true or false")
    return value in {"true", "1", "yes"}


@routes.post("/analyze-failures")
@documented(
    request=AnalyzeFailuresRequest,
    query=AnalyzeQuery,
    responses={200: FailureAnalysisResult, 202: Queued},
    summary="Analyze a list of failures or a JUnit XML report",
    tags=["analysis"],
)
async def analyze_failures(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    wait = _wants_wait(request)
    body = await read_model(request, AnalyzeFailuresRequest)
    provider, model = check_ai_config(body, settings)
    check_request_urls(body, settings)

    if body.raw_xml is not None:
        content_type, payload = JUNIT_XML, await asyncio.to_thread(body.raw_xml.encode, "utf-8")
    else:
        content_type, payload = JSON_FAILURES, encode_failures(body.failures or [])
    params = stored_request_params(body, exclude={"failures", "raw_xml"})
    params["ai_provider"], params["ai_model"] = provider, model
    job = jobs_repo.NewJob(
        kind="failures",
        request_params=params,
        content_type=content_type,
        payload=payload,
        ai_provider=provider,
        ai_model=model,
        secrets=seal(settings, body.model_dump(include=SECRET_KEYS)),
    )
    async with request.app[PG].acquire() as conn:
        job_id = await jobs_repo.create_job(conn, job)
    await enqueue_analysis(request.app[REDIS], settings, job_id, "failures")

    if not wait:
        return queued(request, str(job_id))

    async def is_done() -> bool:
        async with request.app[PG].acquire() as conn:
            return await jobs_repo.job_status(conn, job_id) in ("completed", "failed")

    if not await request.app[WAITER].wait(str(job_id), settings.sync_timeout_s, is_done):
        return queued(request, str(job_id))
    async with request.app[PG].acquire() as conn:
        row = await results_repo.get_result_text(conn, job_id)
    assert row is not None
    if row["status"] == "failed" and row["error_code"] == "INVALID_INPUT":
        # The input itself was unusable (not XML, not JUnit, unsafe): the client's to fix.
        raise InvalidInput(row["error"], extra={"job_id": str(job_id)})
    # The same composed result GET /results/{job_id} serves, as Postgres wrote it.
    return web.Response(text=result_text(row), content_type="application/json")
