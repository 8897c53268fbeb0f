"""Rows for repository tests: a stored job, and an analysed job with its groups."""

from __future__ import annotations

import uuid
from typing import Any

from verdict.analysis.model import FailureInput, Group, GroupAnalysis, group_failures
from verdict.storage import analyses, jobs
from verdict.storage.analyses import RunTotals


def new_job(kind: str = "failures", **fields: Any) -> jobs.NewJob:
    return jobs.NewJob(
        kind=kind,
        request_params={"ai_provider": "builtin"},
        content_type="application/json",
        payload=fields.pop("payload", b'[{"test_name": "t"}]'),
        **fields,
    )


def analysed_groups(*failures: tuple[str, str], classification: str = "CODE ISSUE") -> list[Group]:
    """Groups of (test name, message) failures, each analysed as `classification`."""
    groups = group_failures(FailureInput(test_name=t, error_message=m) for t, m in failures)
    for group in groups:
        group.analysis = GroupAnalysis(
            classification=classification,
            details="why",
            evidence="line",
            confidence=0.9,
            source="builtin",
            provider="builtin",
        )
    return groups


async def completed_job(
    conn: Any,
    *failures: tuple[str, str],
    job_name: str = "",
    classification: str = "CODE ISSUE",
    jira_lease_s: float | None = None,
) -> uuid.UUID:
    """A claimed job saved with one group per distinct message."""
    job_id = await jobs.create_job(conn, new_job(job_name=job_name))
    await jobs.claim(conn, job_id, 300, "analyzing")
    groups = analysed_groups(*failures, classification=classification)
    await analyses.save_completed(
        conn,
        job_id,
        job_name=job_name,
        build_number=1,
        groups=groups,
        result={"job_id": str(job_id), "failures": []},
        summary=f"{len(failures)} failures",
        totals=[RunTotals(total=len(failures) + 1, passed=1, failed=len(failures))],
        jira_lease_s=jira_lease_s,
    )
    return job_id
