"""The direct-failure analysis job (`POST /analyze-failures`), start to finish.

Claim the row (with a lease), decode the input, sign and group, classify each
group once, then write every row and the result in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg

from verdict.analysis.engine import TriageEngine
from verdict.analysis.inputs import DecodedInput, StoredXml, decode_input
from verdict.analysis.jira_enrich import wants_enrichment
from verdict.analysis.model import FailureInput, Group, group_failures
from verdict.analysis.result import failure_analyses, summarize
from verdict.contracts.results import FailureAnalysis, FailureAnalysisResult
from verdict.errors import VerdictError
from verdict.logging import get_logger
from verdict.progress import Progress
from verdict.settings import Settings
from verdict.storage import analyses as analyses_repo
from verdict.storage import inputs as inputs_repo
from verdict.storage import jobs as jobs_repo
from verdict.storage.inputs import CompressedOutput

log = get_logger(__name__)

JiraHandOff = Callable[[uuid.UUID], Awaitable[object]]


@contextlib.asynccontextmanager
async def lease_kept(
    pool: asyncpg.Pool[asyncpg.Record], job_id: uuid.UUID, lease_s: float
) -> AsyncIterator[None]:
    """Renew the job's lease while work runs, so the reconciler leaves a live job alone."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            async with pool.acquire() as conn:
                await jobs_repo.renew_lease(conn, job_id, lease_s)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run_direct_analysis(
    engine: TriageEngine,
    job_id: uuid.UUID,
    *,
    progress: Progress | None = None,
    hand_to_jira: JiraHandOff | None = None,
) -> str:
    """Analyse one direct-failure job. Returns what happened, for the worker's log.

    With PRODUCT BUG groups and Jira enabled, the job is saved in the enriching_jira
    phase and `hand_to_jira(job_id)` queues the jira_enricher, which completes it.
    """
    pool, settings = engine.pool, engine.settings
    progress = progress or Progress(None, settings, job_id)
    async with pool.acquire() as conn:
        claimed = await jobs_repo.claim(conn, job_id, settings.job_lease_s, "analyzing")
        if claimed is None:
            status = await jobs_repo.job_status(conn, job_id)
            return f"not claimed (status {status})"
        content_type, payload = await inputs_repo.load_stored_input(conn, job_id)
    await progress.phase("analyzing", status="running")

    try:
        async with lease_kept(pool, job_id, settings.job_lease_s):
            result, groups, decoded, summary, outputs = await _analyse(
                engine, job_id, claimed["request_params"], content_type, payload, progress
            )
    except VerdictError as exc:
        # Bad input is the client's to fix: record it so the sync caller can answer 4xx.
        async with pool.acquire() as conn:
            await jobs_repo.mark_failed(conn, job_id, exc.detail, exc.error_code)
        await progress.done("failed", error=exc.detail)
        return f"failed: {exc.detail}"

    await progress.phase("saving", status="running")

    jira = hand_to_jira is not None and wants_enrichment(
        claimed["request_params"], settings, result
    )
    async with pool.acquire() as conn:
        await analyses_repo.save_completed(
            conn,
            job_id,
            job_name=claimed["job_name"],
            build_number=claimed["build_number"],
            groups=groups,
            result=result,
            summary=summary,
            totals=decoded.totals,
            flaky_tests=decoded.flaky_tests,
            outputs=outputs,
            jira_lease_s=settings.job_lease_s if jira else None,
        )
    if jira and hand_to_jira is not None:
        await progress.phase("enriching_jira", status="running")
        await hand_to_jira(job_id)
        return f"analysed, handed to Jira: {summary}"
    await progress.done("completed", summary=summary)
    return f"completed: {summary}"


async def _analyse(
    engine: TriageEngine,
    job_id: uuid.UUID,
    params: dict[str, Any],
    content_type: str,
    payload: bytes,
    progress: Progress,
) -> tuple[dict[str, Any], list[Group], DecodedInput, str, list[CompressedOutput]]:
    settings = engine.settings
    # Parsing a 50 MB report is CPU work: keep the worker's event loop (and its lease
    # renewal) responsive by doing it in a thread.
    decoded = await asyncio.to_thread(
        decode_input, content_type, payload, max_output_bytes=settings.junit_max_output_bytes
    )
    groups = group_failures(decoded.failures)
    await engine.classify(job_id, groups, params, on_group_done=progress.groups_done)
    failures = failure_analyses(groups, decoded.failures)
    summary = summarize(groups)
    outputs: list[CompressedOutput] = []
    if decoded.xml is not None:
        outputs.append(
            await asyncio.to_thread(
                _enrich, decoded.xml, decoded.failures, failures, report_url(settings, job_id)
            )
        )
    result = FailureAnalysisResult(
        job_id=str(job_id),
        status="completed",
        summary=summary,
        ai_provider=params.get("ai_provider") or "builtin",
        ai_model=params.get("ai_model") or "",
        failures=failures,
    )
    return result.model_dump(mode="json"), groups, decoded, summary, outputs


def report_url(settings: Settings, job_id: uuid.UUID) -> str | None:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/results/{job_id}" if base else None


class CompressingSink:
    """Receives the enriched XML as it is written and keeps only its compressed form."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(1)
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self._parts.append(self._compressor.compress(data))

    def finish(self) -> bytes:
        self._parts.append(self._compressor.flush())
        return b"".join(self._parts)


def _enrich(
    xml: StoredXml,
    inputs: list[FailureInput],
    analyses: list[FailureAnalysis],
    report_url: str | None,
) -> CompressedOutput:
    from verdict.junit import enrich_report_to

    # Matched by exact (classname, name), never by re-splitting the display name.
    by_identity = {
        (failure.classname, failure.name): analysis.model_dump(mode="json")
        for failure, analysis in zip(inputs, analyses, strict=True)
    }
    sink = CompressingSink()
    enrich_report_to(sink, xml.open(), by_identity, report_url=report_url, encoding="utf-8")
    payload = sink.finish()
    return CompressedOutput("enriched_xml", sink.size, payload)
