"""Helpers for the results, collaboration and history tests: jobs written through the
storage repositories (as the analyzer writes them), and jobs analysed for real."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from verdict.analysis.model import FailureInput, Group, GroupAnalysis, group_failures
from verdict.analysis.result import failure_analyses, summarize
from verdict.contracts.results import FailureAnalysisResult
from verdict.storage import analyses as analyses_repo
from verdict.storage import jobs as jobs_repo

ADMIN_KEY = "test-admin-key-0123456789abcdef012345"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def user(name: str) -> dict[str, str]:
    return {"Cookie": f"jji_username={name}"}


@dataclass
class Fail:
    test_name: str
    message: str = "AssertionError: expected 200 got 500"
    classification: str = "CODE ISSUE"
    child_job_name: str = ""
    child_build_number: int = 0


@dataclass
class Totals:
    total: int = 10
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    flaky_tests: list[str] = field(default_factory=list)


async def create_job(
    pg: asyncpg.Pool,
    *,
    failures: Sequence[Fail] = (),
    job_name: str = "",
    build_number: int = 0,
    status: str = "completed",
    totals: Totals | None = None,
    ai_provider: str = "builtin",
    ai_model: str = "",
) -> uuid.UUID:
    """A job in `status`; a completed one with every row the analyzer writes."""
    kind = "jenkins" if job_name else "failures"
    async with pg.acquire() as conn:
        job_id = await jobs_repo.create_job(
            conn,
            jobs_repo.NewJob(
                kind=kind,
                request_params={"ai_provider": ai_provider, "ai_model": ai_model},
                content_type="application/json",
                payload=b"[]",
                job_name=job_name,
                build_number=build_number,
                ai_provider=ai_provider,
                ai_model=ai_model,
            ),
        )
        if status == "pending":
            return job_id
        await jobs_repo.claim(conn, job_id, 300, "analyzing")
        if status == "running":
            return job_id
        if status == "failed":
            await jobs_repo.mark_failed(conn, job_id, "boom", "ANALYSIS_FAILED")
            return job_id
        inputs = [
            FailureInput(
                test_name=f.test_name,
                error_message=f.message,
                child_job_name=f.child_job_name,
                child_build_number=f.child_build_number,
            )
            for f in failures
        ]
        labels = {f.message: f.classification for f in failures}
        groups = group_failures(inputs)
        for group in groups:
            group.analysis = _analysis(labels[group.representative.error_message])
        result = _result(job_id, groups, inputs, ai_provider, ai_model, job_name, build_number)
        t = totals or Totals(total=len(inputs), failed=len(inputs))
        await analyses_repo.save_completed(
            conn,
            job_id,
            job_name=job_name,
            build_number=build_number,
            groups=groups,
            result=result,
            summary=summarize(groups),
            totals=[
                analyses_repo.RunTotals(
                    total=t.total,
                    passed=t.passed,
                    failed=t.failed or len(inputs),
                    skipped=t.skipped,
                    flaky=len(t.flaky_tests),
                )
            ],
            flaky_tests=[("", 0, name) for name in t.flaky_tests],
        )
    return job_id


def _analysis(classification: str) -> GroupAnalysis:
    return GroupAnalysis(
        classification=classification,
        details="details",
        evidence="evidence",
        confidence=0.9,
        source="builtin",
        provider="builtin",
        code_fix={"file": "a.py", "line": "1", "change": "fix"}
        if classification == "CODE ISSUE"
        else None,
        product_bug_report={"title": "bug"} if classification == "PRODUCT BUG" else None,
    )


def _result(
    job_id: uuid.UUID,
    groups: list[Group],
    inputs: list[FailureInput],
    provider: str,
    model: str,
    job_name: str,
    build_number: int,
) -> dict[str, Any]:
    top = [f for f in inputs if not f.child_job_name]
    result = FailureAnalysisResult(
        job_id=str(job_id),
        status="completed",
        summary=summarize(groups),
        ai_provider=provider,
        ai_model=model,
        failures=failure_analyses(groups, top),
    ).model_dump(mode="json")
    children: dict[tuple[str, int], list[FailureInput]] = {}
    for f in inputs:
        if f.child_job_name:
            children.setdefault((f.child_job_name, f.child_build_number), []).append(f)
    if job_name:
        result["job_name"], result["build_number"] = job_name, build_number
        result["child_job_analyses"] = [
            {
                "job_name": name,
                "build_number": number,
                "failures": [a.model_dump(mode="json") for a in failure_analyses(groups, fs)],
                "failed_children": [],
            }
            for (name, number), fs in children.items()
        ]
    return result
