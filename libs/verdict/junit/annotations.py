"""What an analysis adds to a testcase: ai_* properties and a readable summary.

Property names and the ", " join follow jenkins-job-insight, whose clients read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SEPARATOR = "--- AI Analysis ---"
PROPERTY_PREFIX = "ai_"


def analysis_properties(failure_analysis: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, value) pairs for one FailureAnalysis, each only where it has a value."""
    detail = _mapping(failure_analysis.get("analysis"))
    found: list[tuple[str, str]] = []

    def add(name: str, value: Any) -> None:
        if value is not None and value is not False and str(value) != "":
            found.append((name, str(value)))

    add("ai_classification", detail.get("classification"))
    add("ai_details", detail.get("details"))
    affected = detail.get("affected_tests")
    if isinstance(affected, list | tuple) and affected:
        add("ai_affected_tests", ", ".join(str(test) for test in affected))
    code_fix = _mapping(detail.get("code_fix"))
    add("ai_code_fix_file", code_fix.get("file"))
    add("ai_code_fix_line", code_fix.get("line"))
    add("ai_code_fix_change", code_fix.get("change"))
    bug = _mapping(detail.get("product_bug_report"))
    add("ai_bug_title", bug.get("title"))
    add("ai_bug_severity", bug.get("severity"))
    add("ai_bug_component", bug.get("component"))
    add("ai_bug_description", bug.get("description"))
    matches = bug.get("jira_matches")
    for index, match in enumerate(matches if isinstance(matches, list) else [], start=1):
        match = _mapping(match)
        for key in ("key", "summary", "status", "url", "priority", "score"):
            add(f"ai_jira_match_{index}_{key}", match.get(key))
    return found


def analysis_summary(failure_analysis: Mapping[str, Any]) -> str:
    """The human-readable block that follows SEPARATOR in the case's system-out."""
    detail = _mapping(failure_analysis.get("analysis"))
    lines = [f"Classification: {detail.get('classification') or 'UNKNOWN'}"]
    if detail.get("details"):
        lines.append(f"Details: {detail['details']}")
    affected = detail.get("affected_tests")
    if isinstance(affected, list | tuple) and affected:
        lines.append(f"Affected tests: {', '.join(str(test) for test in affected)}")
    code_fix = _mapping(detail.get("code_fix"))
    if code_fix:
        where = ":".join(str(part) for part in (code_fix.get("file"), code_fix.get("line")) if part)
        lines.append(f"Code fix: {where}".rstrip())
        if code_fix.get("change"):
            lines.append(f"  {code_fix['change']}")
    bug = _mapping(detail.get("product_bug_report"))
    if bug:
        lines.append(
            f"Product bug: {bug.get('title', '')} "
            f"(severity: {bug.get('severity') or '-'}, component: {bug.get('component') or '-'})"
        )
        if bug.get("description"):
            lines.append(f"  {bug['description']}")
        matches = bug.get("jira_matches")
        for match in matches if isinstance(matches, list) else []:
            match = _mapping(match)
            lines.append(
                f"  Jira {match.get('key', '')} [{match.get('status', '')}] "
                f"{match.get('summary', '')} {match.get('url', '')}".rstrip()
            )
    return "\n".join(lines)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
