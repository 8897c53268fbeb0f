"""A finished result as people read it: groups by classification, one line each.

`groups` folds a result's failures into their signature groups (each failure carries
its group's analysis); `text`, `markdown` and `as_json` render them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

ORDER = ("PRODUCT BUG", "INFRASTRUCTURE", "CODE ISSUE")
MAX_TESTS_LISTED = 50
MARKDOWN_MAX_GROUPS = 100


@dataclasses.dataclass
class Group:
    classification: str
    signature: str
    tests: list[str]
    error: str
    details: str
    evidence: str
    confidence: float
    source: str
    bug_title: str = ""
    jira: list[str] = dataclasses.field(default_factory=list)

    @property
    def label(self) -> str:
        return self.classification or "UNCLASSIFIED"

    fix_at: str = ""

    @property
    def why(self) -> str:
        """The group's one line of explanation (the analysis' details)."""
        return first_line(self.details)

    @property
    def top_evidence(self) -> str:
        """The evidence, when it says more than the error line already shown."""
        evidence = first_line(self.evidence)
        return "" if evidence == first_line(self.error) else evidence


def first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def _group_of(failure: dict[str, Any]) -> Group:
    analysis = failure.get("analysis") or {}
    bug = analysis.get("product_bug_report") or {}
    fix = analysis.get("code_fix") or {}
    fix_at = ""
    if isinstance(fix, dict) and fix.get("file"):
        fix_at = str(fix["file"]) + (f":{fix['line']}" if fix.get("line") else "")
    return Group(
        classification=str(analysis.get("classification") or ""),
        signature=str(failure.get("error_signature") or failure.get("test_name", "")),
        tests=[],
        error=str(failure.get("error") or ""),
        details=str(analysis.get("details") or ""),
        evidence=str(analysis.get("evidence") or ""),
        confidence=float(analysis.get("confidence") or 0.0),
        source=str(analysis.get("source") or ""),
        bug_title=str(bug.get("title") or "") if isinstance(bug, dict) else "",
        jira=[
            str(m.get("key"))
            for m in (bug.get("jira_matches") or [] if isinstance(bug, dict) else [])
            if isinstance(m, dict) and m.get("key")
        ],
        fix_at=fix_at,
    )


def groups(result: dict[str, Any]) -> list[Group]:
    """Signature groups, PRODUCT BUG first, then INFRASTRUCTURE, CODE ISSUE, others;
    the largest first within a class."""
    by_signature: dict[str, Group] = {}
    for failure in result.get("failures") or []:
        if not isinstance(failure, dict):
            continue
        group = _group_of(failure)
        held = by_signature.setdefault(group.signature, group)
        held.tests.append(str(failure.get("test_name", "")))

    def rank(group: Group) -> tuple[int, int]:
        at = ORDER.index(group.classification) if group.classification in ORDER else len(ORDER)
        return at, -len(group.tests)

    return sorted(by_signature.values(), key=rank)


def counts(found: Iterable[Group]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for group in found:
        entry = out.setdefault(group.label, {"groups": 0, "tests": 0})
        entry["groups"] += 1
        entry["tests"] += len(group.tests)
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 1)] + "..."


def _tests(group: Group) -> str:
    more = len(group.tests) - 1
    return group.tests[0] + (f" (+{more} more)" if more else "")


def headline(found: list[Group]) -> str:
    if not found:
        return "Verdict: no failures"
    tally = counts(found)
    parts = [f"{entry['tests']} {label}" for label, entry in tally.items()]
    total = sum(len(g.tests) for g in found)
    return f"Verdict: {_plural(total, 'failure')} in {_plural(len(found), 'group')}: " + ", ".join(
        parts
    )


def text(result: dict[str, Any], report_url: str, *, width: int = 160) -> str:
    found = groups(result)
    lines = [headline(found)]
    tally = counts(found)
    current = None
    for group in found:
        if group.label != current:
            current = group.label
            entry = tally[current]
            lines.append("")
            lines.append(
                f"{current}: {_plural(entry['tests'], 'test')} "
                f"in {_plural(entry['groups'], 'group')}"
            )
        lines.append(
            _clip(f"  {len(group.tests):>4}x {_tests(group)}: {first_line(group.error)}", width)
        )
        if group.why:
            lines.append(_clip(f"        why: {group.why}", width))
        if group.top_evidence:
            lines.append(_clip(f"        evidence: {group.top_evidence}", width))
        if group.bug_title and group.bug_title != first_line(group.error):
            lines.append(_clip(f"        bug: {group.bug_title}", width))
        if group.fix_at:
            lines.append(_clip(f"        fix at: {group.fix_at}", width))
        if group.jira:
            lines.append(_clip(f"        Jira: {', '.join(group.jira)}", width))
    if result.get("summary"):
        lines += ["", _clip(f"Server: {first_line(str(result['summary']))}", width)]
    lines.append(f"Report: {report_url}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("`", "'")
        .replace("*", "\\*")
        .replace("_", "\\_")
    )


def markdown(result: dict[str, Any], report_url: str) -> str:
    found = groups(result)
    out = [f"## {_md(headline(found))}", ""]
    if found:
        out += ["| Classification | Tests | Groups |", "|---|---:|---:|"]
        out += [
            f"| {label} | {entry['tests']} | {entry['groups']} |"
            for label, entry in counts(found).items()
        ]
        out.append("")
        current = None
        for group in found[:MARKDOWN_MAX_GROUPS]:
            if group.label != current:
                current = group.label
                out += [f"### {current}", ""]
            error = _clip(first_line(group.error), 300)
            out.append(f"- **{_md(_tests(group))}**: {_md(error)}")
            if group.why:
                out.append(f"  - {_md(_clip(group.why, 500))}")
            if group.top_evidence:
                out.append(f"  - evidence: {_md(_clip(group.top_evidence, 500))}")
            if group.fix_at:
                out.append(f"  - fix at: {_md(group.fix_at)}")
            if group.jira:
                out.append(f"  - Jira: {_md(', '.join(group.jira))}")
        if len(found) > MARKDOWN_MAX_GROUPS:
            out.append(f"- ... and {len(found) - MARKDOWN_MAX_GROUPS} more groups in the report")
        out.append("")
    out.append(f"[Full report]({report_url})")
    return "\n".join(out) + "\n"


def as_json(
    envelope: dict[str, Any],
    result: dict[str, Any],
    report_url: str,
    *,
    exit_code: int,
    fail_on: Iterable[str],
    matched: list[str],
    files: list[str],
) -> dict[str, Any]:
    found = groups(result)
    return {
        "job_id": envelope.get("job_id") or result.get("job_id"),
        "status": envelope.get("status") or result.get("status"),
        "report_url": report_url,
        "exit_code": exit_code,
        "fail_on": sorted(fail_on),
        "matched": matched,
        "files": files,
        "summary": result.get("summary", ""),
        "counts": counts(found),
        "groups": [
            {
                "classification": g.classification,
                "signature": g.signature,
                "tests_total": len(g.tests),
                "tests": g.tests[:MAX_TESTS_LISTED],
                "error": first_line(g.error),
                "details": g.details,
                "evidence": g.evidence,
                "confidence": g.confidence,
                "source": g.source,
                "jira": g.jira,
            }
            for g in found
        ],
        # The server's result as stored, less the enriched XML (--junit-out writes it).
        "result": {k: v for k, v in result.items() if k != "enriched_xml"},
    }
