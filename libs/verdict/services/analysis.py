"""Submitting analyses: a failure list or JUnit report, a Jenkins build, a re-analysis,
and Jenkins' build notifications.

Each writes the job row and its input in one transaction, enqueues after commit, and
answers at once with the job id; `analyze_failures` may then wait for the result
(LISTEN/NOTIFY, never polling). Everything a client can get wrong (provider, model,
URLs off the allow-list) is refused here, before a job exists.
"""

from __future__ import annotations

import asyncio
import hmac
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from verdict.analysis.inputs import JSON_FAILURES, JUNIT_XML, encode_failures
from verdict.analysis.jenkins_request import prepare_job, rebuild_request
from verdict.analysis.providers import check_ai_config, check_request_urls
from verdict.analysis.secrets import seal
from verdict.contracts.identity import IDENTITY_FIELDS
from verdict.contracts.jenkins import AnalyzeRequest, GenericBuildHook, JenkinsNotification
from verdict.contracts.requests import (
    SECRET_KEYS,
    AnalyzeFailuresRequest,
    BaseAnalysisRequest,
    stored_request_params,
)
from verdict.errors import BadRequest, Forbidden, InvalidInput, NotFound, Unauthorized
from verdict.integrations.jenkins.sansio import job_name_from_url
from verdict.queue import enqueue_analysis
from verdict.services.deps import Deps
from verdict.services.results import FINISHED, result_text
from verdict.storage import jobs as jobs_repo
from verdict.storage import results as results_repo
from verdict.storage.jobs import NewJob
from verdict.urlguard import check_url_allowed

QUEUE_PHASES = frozenset({"COMPLETED", "FINALIZED"})
QUEUE_RESULTS = frozenset({"FAILURE", "UNSTABLE"})


@dataclass(frozen=True)
class Submitted:
    """A job taken. `result` is the composed result when the caller waited for it."""

    job_id: uuid.UUID
    result: str | None = None


async def _store_and_enqueue(deps: Deps, job: NewJob) -> uuid.UUID:
    async with deps.pool.acquire() as conn:
        job_id = await jobs_repo.create_job(conn, job)
    await enqueue_analysis(deps.queue, deps.settings, job_id, job.kind)
    return job_id


async def analyze_failures(deps: Deps, body: AnalyzeFailuresRequest, *, wait: bool) -> Submitted:
    """Queue a failure list or JUnit XML; with `wait`, answer with the result once it is
    done (or the job id, when VERDICT_SYNC_TIMEOUT_S passes first)."""
    settings = deps.settings
    provider, model = check_ai_config(body, settings)
    check_request_urls(body, settings)
    if body.raw_xml is not None:
        content_type, payload = JUNIT_XML, await asyncio.to_thread(body.raw_xml.encode, "utf-8")
    else:
        content_type, payload = JSON_FAILURES, encode_failures(body.failures or [])
    # The run identity goes into columns of its own (filters, history), not request_params.
    params = stored_request_params(body, exclude={"failures", "raw_xml", *IDENTITY_FIELDS})
    params["ai_provider"], params["ai_model"] = provider, model
    run = body.identity()
    job = NewJob(
        kind="failures",
        request_params=params,
        content_type=content_type,
        payload=payload,
        ai_provider=provider,
        ai_model=model,
        secrets=seal(settings, body.model_dump(include=set(SECRET_KEYS))),
        job_name=run.job_name,
        build_number=run.build_number,
        run_id=run.run_id,
        branch=run.branch,
        commit=run.commit,
        pull_request=run.pull_request,
        run_url=run.run_url,
        ci=run.ci,
        labels=run.labels,
    )
    job_id = await _store_and_enqueue(deps, job)
    if not wait:
        return Submitted(job_id)
    return Submitted(job_id, await _wait_for_result(deps, job_id))


async def _wait_for_result(deps: Deps, job_id: uuid.UUID) -> str | None:
    async def is_done() -> bool:
        async with deps.pool.acquire() as conn:
            return await jobs_repo.job_status(conn, job_id) in FINISHED

    if not await deps.job_waiter.wait(str(job_id), deps.settings.sync_timeout_s, is_done):
        return None
    async with deps.pool.acquire() as conn:
        row = await results_repo.get_result_text(conn, job_id)
    assert row is not None
    if row["status"] == "failed" and row["error_code"] == "INVALID_INPUT":
        # The input itself was unusable (not XML, not JUnit, unsafe): the client's to fix.
        raise InvalidInput(row["error"], extra={"job_id": str(job_id)})
    # The same composed result GET /results/{job_id} serves, as Postgres wrote it.
    return result_text(row)


async def analyze_jenkins(deps: Deps, body: AnalyzeRequest) -> uuid.UUID:
    return await _store_and_enqueue(deps, prepare_job(body, deps.settings))


async def re_analyze(
    deps: Deps, job_id: uuid.UUID, overrides: BaseAnalysisRequest | None
) -> uuid.UUID:
    """A new job from a stored Jenkins job's request, with only the fields sent changed.
    Secrets were never stored: the server's settings supply them unless the body does."""
    async with deps.pool.acquire() as conn:
        source = await jobs_repo.get_job(conn, job_id)
    if source is None:
        raise NotFound(f"job {job_id} not found")
    if source["kind"] != "jenkins":
        raise BadRequest(
            f"job {job_id} is a direct-failure analysis; only Jenkins analyses can be "
            "re-analyzed (send the failures to /analyze-failures again)"
        )
    if not source["request_params"]:
        raise BadRequest(f"job {job_id} has no stored request_params to rebuild from")
    changed = overrides.model_dump(include=overrides.model_fields_set) if overrides else {}
    rebuilt = rebuild_request(
        source["request_params"], source["job_name"], source["build_number"], changed
    )
    return await analyze_jenkins(deps, rebuilt)


@dataclass(frozen=True)
class WebhookOutcome:
    job_id: uuid.UUID | None = None  # None: the notification was ignored (see reason)
    duplicate: bool = False
    reason: str = ""


def check_webhook_token(deps: Deps, given: str, header: str) -> None:
    secret = deps.settings.jenkins_webhook_secret.get_secret_value()
    if not secret:
        raise Forbidden("webhook disabled: set VERDICT_JENKINS_WEBHOOK_SECRET to enable it")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise Unauthorized(f"missing or wrong webhook token ({header} or ?token=)")


async def jenkins_notification(deps: Deps, data: dict[str, Any]) -> WebhookOutcome:
    """A COMPLETED or FINALIZED FAILURE/UNSTABLE build queues one analysis per build
    (a repeated notification finds the first one's job); anything else is ignored."""
    settings = deps.settings
    if "build" in data:
        note = JenkinsNotification.model_validate(data)
        phase, status = note.build.phase.upper(), (note.build.status or "").upper()
        if phase not in QUEUE_PHASES:
            return WebhookOutcome(reason=f"phase {phase or '(none)'} is not COMPLETED or FINALIZED")
        if status not in QUEUE_RESULTS:
            return WebhookOutcome(
                reason=f"build status {status or '(none)'} is not FAILURE or UNSTABLE"
            )
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
    async with deps.pool.acquire() as conn:
        job_id, created = await jobs_repo.create_webhook_job(conn, job)
    if created:
        await enqueue_analysis(deps.queue, settings, job_id, "jenkins")
    return WebhookOutcome(
        job_id,
        duplicate=not created,
        reason="" if created else "this build was already queued by an earlier notification",
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
