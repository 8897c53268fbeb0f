"""Turn analysed groups into the contract's result payload."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from verdict.analysis.model import FailureInput, Group, GroupAnalysis
from verdict.contracts.results import (
    AnalysisDetail,
    CodeFix,
    FailureAnalysis,
    ProductBugReport,
)
from verdict.triage.builtin import CODE_ISSUE, PRODUCT_BUG
from verdict.triage.review import review_note

# How many names each failure's analysis.affected_tests lists (the total is beside it).
MAX_AFFECTED_TESTS = 50


def analysis_detail(group: Group) -> AnalysisDetail:
    ga: GroupAnalysis | None = group.analysis
    affected = group.affected_tests
    if ga is None:
        raise ValueError(f"group {group.signature} has not been analysed")
    # The contract sends `false` where a class has no fix or bug report.
    code_fix: CodeFix | Literal[False] = False
    if ga.classification == CODE_ISSUE and ga.code_fix:
        code_fix = CodeFix.model_validate(ga.code_fix)
    bug: ProductBugReport | Literal[False] = False
    if ga.classification == PRODUCT_BUG and ga.product_bug_report:
        bug = ProductBugReport.model_validate(ga.product_bug_report)
    return AnalysisDetail(
        classification=ga.classification,
        # Capped: every failure of a group carries the list, so a group of n tests
        # would otherwise cost n^2 names in the result and in enriched_xml.
        affected_tests=affected[:MAX_AFFECTED_TESTS],
        affected_tests_total=len(affected),
        details=ga.details,
        artifacts_evidence=ga.evidence,
        code_fix=code_fix,
        product_bug_report=bug,
        evidence=ga.evidence,
        confidence=round(ga.confidence, 3),
        source=ga.source,
        provenance=ga.provenance,
        needs_review=ga.needs_review,
    )


def failure_analyses(groups: list[Group], ordered: list[FailureInput]) -> list[FailureAnalysis]:
    """One FailureAnalysis per input failure, in input order, sharing its group's detail."""
    by_key: dict[tuple[str, int, str], tuple[Group, AnalysisDetail]] = {}
    for group in groups:
        first = group.representative
        by_key[(first.child_job_name, first.child_build_number, group.signature)] = (
            group,
            analysis_detail(group),
        )
    out = []
    for failure in ordered:
        group, detail = by_key[
            (failure.child_job_name, failure.child_build_number, failure.signature)
        ]
        out.append(
            FailureAnalysis(
                test_name=failure.test_name,
                error=failure.error,
                analysis=detail,
                error_signature=group.signature,
                peer_debate=group.analysis.peer_debate if group.analysis else None,
            )
        )
    return out


def summarize(groups: list[Group]) -> str:
    """E.g. "3 failures in 2 groups: 2 PRODUCT BUG, 1 CODE ISSUE"."""
    total = sum(len(g.failures) for g in groups)
    if total == 0:
        return "No failures to analyze"
    counts: Counter[str] = Counter()
    for group in groups:
        label = group.analysis.classification if group.analysis else "UNKNOWN"
        counts[label] += len(group.failures)
    parts = ", ".join(f"{n} {label}" for label, n in counts.most_common())
    noun = "failure" if total == 1 else "failures"
    gnoun = "group" if len(groups) == 1 else "groups"
    review = sum(len(g.failures) for g in groups if g.analysis and g.analysis.needs_review)
    return f"{total} {noun} in {len(groups)} {gnoun}: {parts}{review_note(review)}"


def dump(model: Any) -> Any:
    return model.model_dump(mode="json")
