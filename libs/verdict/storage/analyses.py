"""Analyses and failures: one row per (job, scope, signature) group with its
classification, one history row per failing test, per-build totals and flaky outcomes.

An analysis is saved in one transaction with the job's result (jobs.complete). Re-running
a job rewrites the same rows (delete, then insert), so every handler is idempotent.
Storage knows the pipeline's groups only by the shape below (StoredGroup): it imports
nothing above it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from verdict.storage import inputs, jobs
from verdict.storage.inputs import CompressedOutput
from verdict.storage.labels import reveal_labels_for_job
from verdict.storage.pool import Conn

__all__ = ["CompressedOutput", "RunTotals", "StoredGroup", "save_completed"]


class StoredFailure(Protocol):
    @property
    def test_name(self) -> str: ...
    @property
    def classname(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def child_job_name(self) -> str: ...
    @property
    def child_build_number(self) -> int: ...
    @property
    def error(self) -> str: ...


class StoredAnalysis(Protocol):
    classification: str
    details: str
    evidence: str
    confidence: float
    source: str
    provider: str
    model: str
    rule_id: str
    code_fix: dict[str, Any] | None
    product_bug_report: dict[str, Any] | None
    provenance: dict[str, Any]
    peer_debate: dict[str, Any] | None
    input_tokens: int
    output_tokens: int


class StoredGroup(Protocol):
    """A signature group as the analysis pipeline hands it over."""

    @property
    def signature(self) -> str: ...
    @property
    def failures(self) -> Sequence[StoredFailure]: ...
    @property
    def analysis(self) -> StoredAnalysis | None: ...
    @property
    def representative(self) -> StoredFailure: ...


@dataclass(frozen=True)
class RunTotals:
    child_job_name: str = ""
    child_build_number: int = 0
    total: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    flaky: int = 0


clear_job_rows = [
    "delete from failures where job_id = $1",
    "delete from analyses where job_id = $1",
    "delete from test_runs where job_id = $1",
    "delete from test_outcomes where job_id = $1",
]

insert_analysis = """
insert into analyses (job_id, child_job_name, child_build_number, signature, classification,
                      details, evidence, code_fix, product_bug_report, confidence, source,
                      provider, model, rule_id, reused_from_job, peer_debate,
                      input_tokens, output_tokens)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
returning id
"""

insert_run = """
insert into test_runs (job_id, job_name, build_number, child_job_name, child_build_number,
                       total, passed, failed, skipped, flaky)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""

# PRODUCT BUG and CODE ISSUE groups may go to the jira_enricher first: the job stays
# running in this phase, under a lease the reconciler watches.
JIRA_PHASE = "enriching_jira"

_FAILURE_COLUMNS = [
    "job_id",
    "analysis_id",
    "job_name",
    "build_number",
    "child_job_name",
    "child_build_number",
    "test_name",
    "classname",
    "name",
    "error_message",
    "error_signature",
    "classification",
]


async def save_completed(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    job_name: str,
    build_number: int,
    groups: Sequence[StoredGroup],
    result: dict[str, Any],
    summary: str,
    totals: list[RunTotals],
    flaky_tests: Sequence[tuple[str, int, str]] = (),
    outputs: Sequence[CompressedOutput] = (),
    jira_lease_s: float | None = None,
) -> None:
    """Save everything; complete the job, or (with `jira_lease_s`) hand it to Jira."""
    async with conn.transaction():
        for sql in clear_job_rows:
            await conn.execute(sql, job_id)
        await inputs.save_outputs(conn, job_id, outputs)
        records = []
        failure_count = 0
        for group in groups:
            ga = group.analysis
            assert ga is not None, "every group is analysed before saving"
            first = group.representative
            reused = ga.provenance.get("job_id") if ga.source in ("history", "human") else None
            analysis_id = await conn.fetchval(
                insert_analysis,
                job_id,
                first.child_job_name,
                first.child_build_number,
                group.signature,
                ga.classification,
                ga.details,
                ga.evidence,
                ga.code_fix,
                ga.product_bug_report,
                ga.confidence,
                ga.source,
                ga.provider,
                ga.model,
                ga.rule_id,
                uuid.UUID(reused) if reused else None,
                ga.peer_debate,
                ga.input_tokens,
                ga.output_tokens,
            )
            for f in group.failures:
                failure_count += 1
                records.append(
                    (
                        job_id,
                        analysis_id,
                        job_name,
                        build_number,
                        f.child_job_name,
                        f.child_build_number,
                        f.test_name,
                        f.classname,
                        f.name,
                        f.error,
                        group.signature,
                        ga.classification,
                    )
                )
        if records:
            await conn.copy_records_to_table("failures", records=records, columns=_FAILURE_COLUMNS)
        for t in totals:
            await conn.execute(
                insert_run,
                job_id,
                job_name,
                build_number,
                t.child_job_name,
                t.child_build_number,
                t.total,
                t.passed,
                t.failed,
                t.skipped,
                t.flaky,
            )
        if flaky_tests:
            await conn.copy_records_to_table(
                "test_outcomes",
                records=[(job_id, job_name, c, n, t, "flaky") for c, n, t in flaky_tests],
                columns=[
                    "job_id",
                    "job_name",
                    "child_job_name",
                    "child_build_number",
                    "test_name",
                    "outcome",
                ],
            )
        # AI-authored history labels of this job become visible with its analysis.
        await reveal_labels_for_job(conn, job_id)
        await jobs.complete(
            conn,
            job_id,
            summary=summary,
            result=result,
            failure_count=failure_count,
            hand_on_to=JIRA_PHASE if jira_lease_s is not None else None,
            lease_s=jira_lease_s or 0.0,
        )


# --- after the analysis: the jira_enricher's matches, webhook events ---------------------

update_bug_report = """
update analyses set product_bug_report = $3 where job_id = $1 and signature = $2
"""
update_code_fix = """
update analyses set code_fix = $3 where job_id = $1 and signature = $2
"""


async def save_enrichment(
    conn: Conn,
    job_id: uuid.UUID,
    result: dict[str, Any],
    bug_reports: dict[str, dict[str, Any]],
    code_fixes: dict[str, dict[str, Any]],
    outputs: Sequence[CompressedOutput],
) -> None:
    """Write the matches into the group rows, the result and the enriched XML; complete."""
    async with conn.transaction():
        for signature, report in bug_reports.items():
            await conn.execute(update_bug_report, job_id, signature, report)
        for signature, fix in code_fixes.items():
            await conn.execute(update_code_fix, job_id, signature, fix)
        await inputs.save_outputs(conn, job_id, outputs)
        await jobs.complete_handed_on(conn, job_id, JIRA_PHASE, result)


async def give_up_enrichment(conn: Conn, job_id: uuid.UUID, error: str) -> None:
    """Complete the analysis without matches when enrichment keeps crashing."""
    async with conn.transaction():
        await jobs.complete_handed_on(conn, job_id, JIRA_PHASE, {"jira_error": error}, merge=True)


select_identities = """
select test_name, classname, name from failures where job_id = $1 and classname || name <> ''
"""


async def junit_identities(conn: Conn, job_id: uuid.UUID) -> dict[str, tuple[str, str]]:
    """test_name -> (classname, name) for a JUnit job, to re-enrich its XML exactly."""
    rows = await conn.fetch(select_identities, job_id)
    return {r["test_name"]: (r["classname"], r["name"]) for r in rows}


select_groups = """
select a.signature, a.classification, a.source, a.child_job_name, a.child_build_number,
       coalesce(array_agg(f.test_name order by f.id) filter (where f.id is not null), '{}')
           as tests
  from analyses a
  left join failures f on f.analysis_id = a.id
 where a.job_id = $1
 group by a.id
 order by a.id
"""


async def job_groups(conn: Conn, job_id: uuid.UUID) -> list[asyncpg.Record]:
    """Each group of the job with its tests (for failure.classified events)."""
    rows: list[asyncpg.Record] = await conn.fetch(select_groups, job_id)
    return rows
