"""Jenkins-backed analysis: POST /analyze, POST /re-analyze/{job_id}, POST /webhooks/jenkins.

Each stores the job row (and the request's credentials, in the job input only) in one
transaction, enqueues after commit and answers 202 at once; the analyzer does the rest
(see verdict.analysis.jenkins).
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.body import read_json, read_model
from services.gateway.keys import deps_of
from services.gateway.openapi import Queued, documented
from services.gateway.params import parse_job_id
from services.gateway.responses import queued
from verdict.contracts.envelope import result_url
from verdict.contracts.jenkins import AnalyzeRequest, WebhookAnswer
from verdict.contracts.requests import BaseAnalysisRequest
from verdict.errors import BadRequest
from verdict.services import analysis

routes = web.RouteTableDef()

TOKEN_HEADER = "X-Verdict-Token"


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
    job_id = await analysis.analyze_jenkins(deps_of(request), body)
    return queued(request, str(job_id))


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
    new_id = await analysis.re_analyze(deps_of(request), job_id, body)
    return queued(request, str(new_id))


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
    deps = deps_of(request)
    given = request.headers.get(TOKEN_HEADER) or request.query.get("token") or ""
    analysis.check_webhook_token(deps, given, TOKEN_HEADER)
    data = await read_json(request)
    if not isinstance(data, dict):
        raise BadRequest("the webhook body must be a JSON object")
    outcome = await analysis.jenkins_notification(deps, data)
    if outcome.job_id is None:
        answer = WebhookAnswer(status="ignored", reason=outcome.reason)
    else:
        answer = WebhookAnswer(
            status="queued",
            reason=outcome.reason,
            job_id=str(outcome.job_id),
            duplicate=outcome.duplicate,
            result_url=result_url(deps.settings, str(outcome.job_id)),
        )
    return web.json_response(answer.model_dump(), status=202)
