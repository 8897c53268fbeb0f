"""Jenkins-backed analysis: POST /analyze, POST /re-analyze/{job_id}, POST /webhooks/jenkins.

Each stores the job row (and the request's credentials, in the job input only)
in one transaction, enqueues after commit and answers 202 at once; the analyzer
does the rest (see verdict.analysis.jenkins).
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from services.gateway.body import read_json, read_model
from services.gateway.keys import PG, REDIS, SETTINGS
from services.gateway.openapi import Queued, documented
from services.gateway.responses import queued
from services.gateway.routes.results import parse_job_id
from verdict.analysis.jenkins_request import prepare_job, rebuild_request
from verdict.contracts.envelope import result_url
from verdict.contracts.jenkins import (
    AnalyzeRequest,
    GenericBuildHook,
    JenkinsNotification,
    WebhookAnswer,
)
from verdict.contracts.requests import BaseAnalysisRequest
from verdict.errors import BadRequest, Forbidden, NotFound, Unauthorized
from verdict.integrations.jenkins.sansio import job_name_from_url
from verdict.queue import enqueue_analysis
from verdict.settings import Settings
from verdict.storage import jenkins as jenkins_repo
from verdict.storage import jobs as jobs_repo
from verdict.storage.jobs import NewJob
from verdict.urlguard import check_url_allowed

routes = web.RouteTableDef()

TOKEN_HEADER = "X-Verdict-Token"
QUEUE_PHASES = frozenset({"COMPLETED", "FINALIZED"})
QUEUE_RESULTS = frozenset({"FAILURE", "UNSTABLE"})


async def _store_and_enqueue(request: web.Request, job: NewJob) -> str:
    async with request.app[PG].acquire() as conn:
        job_id = await jobs_repo.create_job(conn, job)
    await enqueue_analysis(request.app[REDIS], request.app[SETTINGS], job_id, "jenkins")
    return str(job_id)


@routes.post("/analyze")
@documented(
    request=AnalyzeRequest,
    responses={202: Queued},
    summary="Queue a Jenkins build for analysis",
    description=(
        "Analyses the build, its test report, console and failed child jobs (recursively). "
        "`jenkins_user`/`jenkins_password` and tracker tokens are used for this job only and "
        "never stored in request_params. `force` (Verdict's addition) analyses a passing "
        "build too. URLs must have a host in VERDICT_ALLOWED_HOSTS (400 otherwise)."
    ),
    tags=["analysis"],
)
async def analyze(request: web.Request) -> web.Response:
    body = await read_model(request, AnalyzeRequest)
    job = prepare_job(body, request.app[SETTINGS])
    return queued(request, await _store_and_enqueue(request, job))


@routes.post("/re-analyze/{job_id}")
@documented(
    request=BaseAnalysisRequest,
    responses={202: Queued},
    summary="Queue a new analysis of a stored Jenkins job, with overrides",
    description=(
        "Rebuilds the original request from the stored request_params, applies only the "
        "fields present in the body and queues a new job. Secrets were never stored: the "
        "server's settings supply them unless the body sends its own."
    ),
    tags=["analysis"],
    body_required=False,
)
async def re_analyze(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    raw = await request.read()
    body = await read_model(request, BaseAnalysisRequest) if raw.strip() else None
    async with request.app[PG].acquire() as conn:
        source = await jenkins_repo.source_job(conn, job_id)
    if source is None:
        raise NotFound(f"job {job_id} not found")
    if source["kind"] != "jenkins":
        raise BadRequest(
            f"job {job_id} is a direct-failure analysis; only Jenkins analyses can be "
            "re-analyzed (send the failures to /analyze-failures again)"
        )
    if not source["request_params"]:
        raise BadRequest(f"job {job_id} has no stored request_params to rebuild from")
    overrides = body.model_dump(include=body.model_fields_set) if body else {}
    rebuilt = rebuild_request(
        source["request_params"], source["job_name"], source["build_number"], overrides
    )
    job = prepare_job(rebuilt, request.app[SETTINGS])
    return queued(request, await _store_and_enqueue(request, job))


@routes.post("/webhooks/jenkins")
@documented(
    responses={202: WebhookAnswer},
    summary="Jenkins build notifications (Notification plugin or a plain job/build body)",
    description=(
        "Authenticated by VERDICT_JENKINS_WEBHOOK_SECRET in the X-Verdict-Token header or "
        "the `token` query parameter (403 when the secret is not configured). A COMPLETED "
        "or FINALIZED phase with FAILURE or UNSTABLE queues one analysis per build; "
        "anything else answers 202 with the reason it was ignored."
    ),
    tags=["webhooks"],
)
async def jenkins_webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    _authenticate(request, settings)
    data = await read_json(request)
    if not isinstance(data, dict):
        raise BadRequest("the webhook body must be a JSON object")
    if "build" in data:
        note = JenkinsNotification.model_validate(data)
        phase, status = note.build.phase.upper(), (note.build.status or "").upper()
        if phase not in QUEUE_PHASES:
            return _ignored(f"phase {phase or '(none)'} is not COMPLETED or FINALIZED")
        if status not in QUEUE_RESULTS:
            return _ignored(f"build status {status or '(none)'} is not FAILURE or UNSTABLE")
        job_name = job_name_from_url(note.build.url or note.url) or note.name
        number = note.build.number
        base = _jenkins_base(note.build.full_url)
    else:
        generic = GenericBuildHook.model_validate(data)
        job_name, number, base = generic.job_name, generic.build_number, ""
    body: dict[str, Any] = {"job_name": job_name, "build_number": number}
    if base and base.rstrip("/") != settings.jenkins_url.rstrip("/"):
        check_url_allowed(base, settings.effective_allowed_hosts())
        body["jenkins_url"] = base
    job = prepare_job(AnalyzeRequest.model_validate(body), settings)
    async with request.app[PG].acquire() as conn:
        job_id, created = await jenkins_repo.create_webhook_job(conn, job)
    if created:
        await enqueue_analysis(request.app[REDIS], settings, job_id, "jenkins")
    answer = WebhookAnswer(
        status="queued",
        reason="" if created else "this build was already queued by an earlier notification",
        job_id=str(job_id),
        duplicate=not created,
        result_url=result_url(settings, str(job_id)),
    )
    return web.json_response(answer.model_dump(), status=202)


def _authenticate(request: web.Request, settings: Settings) -> None:
    secret = settings.jenkins_webhook_secret.get_secret_value()
    if not secret:
        raise Forbidden("webhook disabled: set VERDICT_JENKINS_WEBHOOK_SECRET to enable it")
    given = request.headers.get(TOKEN_HEADER) or request.query.get("token") or ""
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise Unauthorized(f"missing or wrong webhook token ({TOKEN_HEADER} or ?token=)")


def _ignored(reason: str) -> web.Response:
    return web.json_response(
        WebhookAnswer(status="ignored", reason=reason).model_dump(), status=202
    )


def _jenkins_base(full_url: str) -> str:
    """`https://ci/jenkins/job/a/job/b/12/` → `https://ci/jenkins/`."""
    if not full_url:
        return ""
    parts = urlsplit(full_url)
    path = parts.path
    marker = path.find("/job/")
    prefix = path[: marker + 1] if marker >= 0 else "/"
    return urlunsplit((parts.scheme, parts.netloc, prefix, "", ""))
