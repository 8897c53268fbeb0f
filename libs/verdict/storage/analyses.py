"""Saving an analysis: group rows, history rows, totals and the result, in one transaction.

Re-running a job rewrites the same rows (delete, then insert), so every handler
is idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verdict.analysis.model import Group
from verdict.storage.history import reveal_labels_for_job
from verdict.storage.jobs import notify_done
from verdict.storage.pool import Conn


@dataclass(frozen=True)
class RunTotals:
    child_job_name: str = ""
    child_build_number: int = 0
    total: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    flaky: int = 0


@dataclass(frozen=True)
class CompressedOutput:
    """A large job output (enriched XML), zlib-compressed by its producer."""

    name: str
    size_bytes: int
    payload: bytes


upsert_output = """
insert into job_outputs (job_id, name, size_bytes, payload) values ($1, $2, $3, $4)
on conflict (job_id, name) do update
   set size_bytes = excluded.size_bytes, payload = excluded.payload, created_at = now()
"""

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

finish_completed = """
update jobs
   set status = 'completed', phase = 'saving', summary = $2, result = $3, failure_count = $4,
       lease_until = null, completed_at = now(), updated_at = now(),
       progress_log = progress_log || jsonb_build_array(
           jsonb_build_object('phase', 'saving', 'timestamp', extract(epoch from now())))
 where id = $1
"""

# PRODUCT BUG groups go to the jira_enricher first: the job stays running, in the
# enriching_jira phase, under a lease the reconciler watches.
hand_to_jira = """
update jobs
   set phase = 'enriching_jira', summary = $2, result = $3, failure_count = $4,
       lease_until = now() + make_interval(secs => $5), updated_at = now(),
       progress_log = progress_log || jsonb_build_array(
           jsonb_build_object('phase', 'enriching_jira', 'timestamp', extract(epoch from now())))
 where id = $1
"""

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
    groups: list[Group],
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
        for output in outputs:
            await conn.execute(
                upsert_output, job_id, output.name, output.size_bytes, output.payload
            )
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
        if jira_lease_s is not None:
            await conn.execute(
                hand_to_jira, job_id, summary, result, failure_count, float(jira_lease_s)
            )
            return
        await conn.execute(finish_completed, job_id, summary, result, failure_count)
        await notify_done(conn, job_id)
