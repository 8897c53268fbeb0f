"""The Jenkins-backed analysis job (`POST /analyze`), start to finish.

Claim the row; ask Jenkins about the build. Still running and asked to wait: the
row goes `waiting` and an arq job is deferred to the next poll (no worker slot
sleeps). Finished: read the build and its failed children (recursively, in
parallel, bounded), collect every failure of every scope, classify them all in
ONE `engine.classify` call (a cause shared by twelve children is answered once),
and write the result tree in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import aiohttp
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from verdict.analysis.direct import JiraHandOff, lease_kept
from verdict.analysis.engine import TriageEngine
from verdict.analysis.jenkins_collect import (
    Collector,
    Scope,
    artifact_evidence,
    console_text,
)
from verdict.analysis.jenkins_request import decode_secrets, target
from verdict.analysis.jira_enrich import wants_enrichment
from verdict.analysis.model import Group, group_failures
from verdict.analysis.result import failure_analyses, summarize
from verdict.contracts.jenkins import AnalysisResult, ChildJobAnalysis
from verdict.contracts.results import FailureAnalysis
from verdict.errors import VerdictError
from verdict.integrations.jenkins import BuildInfo, JenkinsNotFound
from verdict.integrations.jenkins import aiohttp as jenkins_aiohttp
from verdict.logging import get_logger
from verdict.progress import Progress
from verdict.queue import ANALYZE_JENKINS
from verdict.settings import Settings
from verdict.storage import analyses as analyses_repo
from verdict.storage import inputs as inputs_repo
from verdict.storage import jobs as jobs_repo
from verdict.urlguard import check_url_allowed

log = get_logger(__name__)

WAITING_FOR_JENKINS = "waiting_for_jenkins"
ANALYZING = "analyzing"
SAVING = "saving"
PASSING = frozenset({"SUCCESS"})


class WaitTimedOut(VerdictError):
    """The Jenkins build was still running when max_wait_minutes ran out."""

    status = 504
    error = "jenkins_wait_timeout"


async def run_jenkins_analysis(
    engine: TriageEngine,
    redis: ArqRedis | None,
    job_id: uuid.UUID,
    poll_token: int | None = None,
    *,
    hand_to_jira: JiraHandOff | None = None,
) -> str:
    """Analyse (or keep waiting for) one Jenkins job. Returns what happened, for the log.

    As in the direct path: with PRODUCT BUG groups and Jira enabled, the job is saved
    in the enriching_jira phase and `hand_to_jira(job_id)` queues the jira_enricher.
    """
    pool, settings = engine.pool, engine.settings
    progress = Progress(redis, settings, job_id)
    async with pool.acquire() as conn:
        claimed = await jobs_repo.claim(
            conn, job_id, settings.job_lease_s, kind="jenkins", poll_token=poll_token
        )
        if claimed is None:
            status = await jobs_repo.job_status(conn, job_id)
            return f"not claimed (status {status})"
        content_type, payload = await inputs_repo.load_input(conn, job_id)
    params: dict[str, Any] = claimed["request_params"]
    secrets = decode_secrets(content_type, payload)

    try:
        async with lease_kept(pool, job_id, settings.job_lease_s), _session(engine) as http:
            jenkins = target(params, secrets, settings)
            if params.get("jenkins_url"):
                # Checked at the gateway; checked again in case the allow-list shrank since.
                check_url_allowed(jenkins.base_url, settings.effective_allowed_hosts())
            api = jenkins_aiohttp.JenkinsAPI(
                http,
                jenkins.base_url,
                user=jenkins.user,
                token=jenkins.password,
                ssl_verify=jenkins.ssl_verify,
                timeout_s=settings.jenkins_timeout_s,
            )
            job_name, number = claimed["job_name"], claimed["build_number"]
            try:
                info = await api.build_info(job_name, number)
            except JenkinsNotFound:
                raise JenkinsNotFound(
                    f"Jenkins at {jenkins.base_url} has no build {job_name} #{number}; "
                    "check the job name (folders as 'folder/job') and the build number"
                ) from None
            if info.building and _wait_for_completion(params, settings):
                return await _keep_waiting(engine, redis, progress, claimed, params, info)
            return await _analyse(engine, api, progress, claimed, params, info, hand_to_jira)
    except VerdictError as exc:
        async with pool.acquire() as conn:
            await jobs_repo.mark_failed(conn, job_id, exc.detail, exc.error_code)
        await progress.done("failed", error=exc.detail)
        return f"failed: {exc.detail}"


class _session:
    """The engine's shared HTTP session, or a private one when it has none (tests)."""

    def __init__(self, engine: TriageEngine) -> None:
        self._engine = engine
        self._own: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> aiohttp.ClientSession:
        if self._engine.http is not None:
            return self._engine.http
        self._own = aiohttp.ClientSession()
        return self._own

    async def __aexit__(self, *exc: object) -> None:
        if self._own is not None:
            await self._own.close()


def _wait_for_completion(params: dict[str, Any], settings: Settings) -> bool:
    value = params.get("wait_for_completion")
    return settings.wait_for_completion if value is None else bool(value)


def _minutes(params: dict[str, Any], name: str, default: float) -> float:
    value = params.get(name)
    return default if value is None else float(value)


async def _keep_waiting(
    engine: TriageEngine,
    redis: ArqRedis | None,
    progress: Progress,
    claimed: Any,
    params: dict[str, Any],
    info: BuildInfo,
) -> str:
    settings = engine.settings
    job_id: uuid.UUID = claimed["id"]
    waited = float(claimed["waited_s"] or 0.0)
    interval = _minutes(params, "poll_interval_minutes", settings.poll_interval_minutes) * 60
    max_wait = _minutes(params, "max_wait_minutes", settings.max_wait_minutes) * 60
    if max_wait and waited >= max_wait:
        raise WaitTimedOut(
            f"Jenkins build {claimed['job_name']} #{claimed['build_number']} was still running "
            f"after {waited / 60:.1f} minutes (max_wait_minutes="
            f"{max_wait / 60:g}); it was not analysed. Re-analyze it once it has finished."
        )
    delay = min(interval, max_wait - waited) if max_wait else interval
    delay = max(delay, 0.0)
    # The lease outlives the next poll by the reconciler's period, so a Redis flush
    # while waiting is repaired (the reconciler re-enqueues), but a live poll is not doubled.
    lease = delay + settings.reconcile_interval_s + settings.reconcile_grace_s
    async with engine.pool.acquire() as conn:
        token = await jobs_repo.wait(conn, job_id, lease)
    if token is None:
        return "not waiting (the row changed under us)"
    await progress.phase(WAITING_FOR_JENKINS, status="waiting", next_poll_in_s=round(delay, 3))
    await schedule_poll(redis, settings, job_id, token, delay)
    return f"waiting: build still running, next poll in {delay:.0f}s"


async def schedule_poll(
    redis: ArqRedis | None, settings: Settings, job_id: uuid.UUID, token: int, delay_s: float
) -> bool:
    """Defer the next poll (`_defer_by`). False is no lost job: the lease expires and
    the reconciler enqueues it again."""
    if redis is None:
        return False
    try:
        await redis.enqueue_job(
            ANALYZE_JENKINS,
            str(job_id),
            token,
            _job_id=f"{job_id}:poll:{token}",
            _defer_by=timedelta(seconds=delay_s),
            _queue_name=settings.queue_name("analyze"),
        )
    except (RedisError, OSError) as exc:
        log.warning("next poll not scheduled; the reconciler will", error=str(exc))
        return False
    return True


async def _analyse(
    engine: TriageEngine,
    api: jenkins_aiohttp.JenkinsAPI,
    progress: Progress,
    claimed: Any,
    params: dict[str, Any],
    info: BuildInfo,
    hand_to_jira: JiraHandOff | None,
) -> str:
    settings, pool = engine.settings, engine.pool
    job_id: uuid.UUID = claimed["id"]
    job_name, number = claimed["job_name"], claimed["build_number"]
    build_url = info.url or claimed["jenkins_url"]
    async with pool.acquire() as conn:
        await jobs_repo.record_phase(conn, job_id, ANALYZING)
        await jobs_repo.record_build_identity(
            conn,
            job_id,
            url=info.url,
            commit=info.revision or "",
            branch=info.branch or "",
            pull_request=_change_id(info.parameters),
        )
    await progress.phase(ANALYZING, status="running", build_result=info.result)

    if info.result in PASSING and not info.building and not params.get("force"):
        summary = (
            f"Build {job_name} #{number} passed ({info.result}): nothing to analyze. "
            'Send "force": true to analyze it anyway.'
        )
        top = Scope("", 0, build_url, 0)
        return await _save(engine, progress, claimed, params, info, top, [], summary, None)

    async def child_seen(scope: Scope) -> None:
        await progress.publish(
            "child",
            job_name=scope.job_name,
            build_number=scope.build_number,
            result=scope.result,
            failures=len(scope.failures),
        )

    collector = Collector(
        api, settings.jenkins_max_depth, settings.jenkins_child_concurrency, child_seen
    )
    top = await collector.top(job_name, number, info)
    evidence = ""
    get_artifacts = params.get("get_job_artifacts")
    if settings.get_job_artifacts if get_artifacts is None else get_artifacts:
        cap = params.get("jenkins_artifacts_max_size_mb") or settings.jenkins_artifacts_max_size_mb
        evidence = await artifact_evidence(api, job_name, number, info, int(cap))

    ordered = [f for scope in top.walk() for f in scope.failures]
    groups = group_failures(ordered)
    await progress.publish(
        "collected",
        failures=len(ordered),
        groups=len(groups),
        signatures=len({g.signature for g in groups}),
        children=len(top.walk()) - 1,
    )
    await engine.classify(
        job_id,
        groups,
        params,
        console=console_text(top, evidence),
        on_group_done=progress.groups_done,
    )
    summary = summarize(groups)
    children = len(top.walk()) - 1
    if children:
        summary += f" (build and {children} failed child job(s))"
    if top.notes:
        summary += ". Note: " + "; ".join(top.notes)
    return await _save(engine, progress, claimed, params, info, top, groups, summary, hand_to_jira)


async def _save(
    engine: TriageEngine,
    progress: Progress,
    claimed: Any,
    params: dict[str, Any],
    info: BuildInfo,
    top: Scope,
    groups: list[Group],
    summary: str,
    hand_to_jira: JiraHandOff | None,
) -> str:
    job_id: uuid.UUID = claimed["id"]
    ordered = [f for scope in top.walk() for f in scope.failures]
    analyses = failure_analyses(groups, ordered)
    by_scope: dict[tuple[str, int], list[FailureAnalysis]] = {}
    for failure, analysis in zip(ordered, analyses, strict=True):
        key = (failure.child_job_name, failure.child_build_number)
        by_scope.setdefault(key, []).append(analysis)
    result = AnalysisResult(
        job_id=str(job_id),
        job_name=claimed["job_name"],
        build_number=claimed["build_number"],
        jenkins_url=info.url or claimed["jenkins_url"] or None,
        status="completed",
        summary=summary,
        ai_provider=params.get("ai_provider") or "builtin",
        ai_model=params.get("ai_model") or "",
        failures=by_scope.get(("", 0), []),
        child_job_analyses=[_child_result(c, by_scope, groups) for c in top.children],
        build_result=info.result,
    )
    totals = [s.totals for s in top.walk() if s.totals is not None]
    payload = result.model_dump(mode="json")
    jira = hand_to_jira is not None and wants_enrichment(params, engine.settings, payload)
    await progress.phase(SAVING, status="running")
    async with engine.pool.acquire() as conn:
        await analyses_repo.save_completed(
            conn,
            job_id,
            job_name=claimed["job_name"],
            build_number=claimed["build_number"],
            groups=groups,
            result=payload,
            summary=summary,
            totals=list({(t.child_job_name, t.child_build_number): t for t in totals}.values()),
            jira_lease_s=engine.settings.job_lease_s if jira else None,
        )
    if jira and hand_to_jira is not None:
        await progress.phase("enriching_jira", status="running")
        await hand_to_jira(job_id)
        return f"analysed, handed to Jira: {summary}"
    await progress.done("completed", summary=summary)
    return f"completed: {summary}"


def _child_result(
    scope: Scope, by_scope: dict[tuple[str, int], list[FailureAnalysis]], groups: list[Group]
) -> ChildJobAnalysis:
    own = [
        g
        for g in groups
        if (g.representative.child_job_name, g.representative.child_build_number) == scope.key
    ]
    if own:
        summary = summarize(own)
    elif scope.children:
        summary = f"{len(scope.children)} failed child job(s)"
    else:
        summary = f"No failures found ({scope.result or 'result unknown'})"
    return ChildJobAnalysis(
        job_name=scope.job_name,
        build_number=scope.build_number,
        jenkins_url=scope.url or None,
        summary=summary,
        failures=by_scope.get(scope.key, []),
        failed_children=[_child_result(c, by_scope, groups) for c in scope.children],
        note="; ".join(scope.notes) or None,
    )


def _change_id(parameters: dict[str, Any]) -> int | None:
    """The pull request of a multibranch PR build (CHANGE_ID), when it is a number."""
    value = str(parameters.get("CHANGE_ID") or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None
