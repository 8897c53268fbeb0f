"""Issue content from a stored failure: a title and a body, for GitHub (Markdown) or Jira.

The content comes from a template over the stored analysis (its classification as
stored, so a human override shows). With an AI provider configured (or named in
the request's `ai_provider` / `ai_model`), ai_content.py rewrites it; the template
stays the answer when there is none or it fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Flavor = Literal["github", "jira"]

MAX_TITLE = 120
MAX_ERROR = 4000
MAX_LISTED_TESTS = 10


@dataclass(frozen=True, slots=True)
class Context:
    """Where the failure lives: the job, its scope, and the links to show."""

    job_id: str
    job_name: str = ""
    build_number: int = 0
    child_job_name: str = ""
    child_build_number: int = 0
    report_url: str = ""  # set only when links are wanted and PUBLIC_BASE_URL is set
    jenkins_url: str = ""


def analysis_of(failure: dict[str, Any]) -> dict[str, Any]:
    analysis = failure.get("analysis")
    return analysis if isinstance(analysis, dict) else {}


def _bug_report(analysis: dict[str, Any]) -> dict[str, Any]:
    report = analysis.get("product_bug_report")
    return report if isinstance(report, dict) else {}


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def title_for(failure: dict[str, Any]) -> str:
    """`<test>: <first line of the error>`: what failed and how, as it was observed.

    The raw error reads better than a bug report title built from the normalized
    signature (numbers there are `<n>`).
    """
    test = str(failure.get("test_name") or "")
    leaf = test.rsplit(".", 1)[-1].rsplit("::", 1)[-1] or test
    error = _first_line(str(failure.get("error") or ""))
    return _clip(f"{leaf}: {error}" if error else f"{leaf} fails", MAX_TITLE)


def search_terms(failure: dict[str, Any]) -> list[str]:
    """What a duplicate search looks for: the bug report's keywords, else the test's name."""
    keywords = _bug_report(analysis_of(failure)).get("jira_search_keywords") or []
    terms = [str(k) for k in keywords if str(k).strip()][:3]
    test = str(failure.get("test_name") or "")
    leaf = test.rsplit(".", 1)[-1].rsplit("::", 1)[-1]
    if leaf and leaf not in terms:
        terms.insert(0, leaf)
    return terms[:4]


def body_for(failure: dict[str, Any], ctx: Context, flavor: Flavor) -> str:
    analysis = analysis_of(failure)
    md = flavor == "github"
    sections: list[tuple[str, str]] = []

    if details := str(analysis.get("details") or "").strip():
        sections.append(("Summary", details))

    facts = [("Test", _code(str(failure.get("test_name") or ""), md))]
    classification = str(analysis.get("classification") or "unclassified")
    confidence = analysis.get("confidence")
    source = str(analysis.get("source") or "")
    extra = ", ".join(
        part
        for part in (
            f"confidence {float(confidence):.2f}" if isinstance(confidence, int | float) else "",
            f"source {source}" if source else "",
        )
        if part
    )
    facts.append(("Classification", f"{classification} ({extra})" if extra else classification))
    if ctx.job_name:
        facts.append(("Job", f"{ctx.job_name} #{ctx.build_number}"))
    if ctx.child_job_name:
        facts.append(("Child job", f"{ctx.child_job_name} #{ctx.child_build_number}"))
    facts.append(("Analysis", ctx.job_id))
    if signature := str(failure.get("error_signature") or ""):
        facts.append(("Error signature", _code(signature[:16], md)))
    affected = [str(t) for t in analysis.get("affected_tests") or [] if t]
    if len(affected) > 1:
        listed = ", ".join(_code(t, md) for t in affected[:MAX_LISTED_TESTS])
        more = len(affected) - MAX_LISTED_TESTS
        facts.append(("Affected tests", listed + (f" and {more} more" if more > 0 else "")))
    sections.append(("Failure", "\n".join(f"- {_bold(k, md)}: {v}" for k, v in facts)))

    if error := str(failure.get("error") or "").strip():
        sections.append(("Error", _block(_clip(error, MAX_ERROR), md)))

    evidence = str(analysis.get("artifacts_evidence") or analysis.get("evidence") or "").strip()
    if evidence:
        sections.append(("Evidence", _block(_clip(evidence, MAX_ERROR), md)))

    fix = analysis.get("code_fix")
    if isinstance(fix, dict) and (fix.get("file") or fix.get("change")):
        where = f"{fix.get('file') or ''}:{fix.get('line') or ''}".strip(":")
        sections.append(
            ("Suggested fix", f"{_code(where, md)}\n\n{fix.get('change') or ''}".strip())
        )

    report = _bug_report(analysis)
    if report and classification == "PRODUCT BUG":
        lines = [
            f"- {_bold(label, md)}: {report[key]}"
            for label, key in (("Severity", "severity"), ("Component", "component"))
            if report.get(key)
        ]
        if report.get("description"):
            lines.append("\n" + str(report["description"]))
        if lines:
            sections.append(("Bug report", "\n".join(lines).strip()))

    links = [
        f"- {label}: {url}"
        for label, url in (("Analysis report", ctx.report_url), ("Jenkins build", ctx.jenkins_url))
        if url
    ]
    if links:
        sections.append(("Links", "\n".join(links)))

    text = "\n\n".join(
        f"{'## ' + title if md else title + ':'}\n{content}" for title, content in sections
    )
    return (
        text
        + "\n\n"
        + (
            "_Drafted by Verdict from the stored analysis._"
            if md
            else "Drafted by Verdict from the stored analysis."
        )
    )


def with_reporter(body: str, username: str, flavor: Flavor) -> str:
    """The contract's reporter attribution, appended when a username context exists."""
    if not username:
        return body
    line = f"Reported by {username} via Verdict"
    return (
        f"{body.rstrip()}\n\n---\n_{line}_" if flavor == "github" else f"{body.rstrip()}\n\n{line}"
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _code(text: str, md: bool) -> str:
    return f"`{text}`" if md and text else text


def _bold(text: str, md: bool) -> str:
    return f"**{text}**" if md else text


def _block(text: str, md: bool) -> str:
    if not md:
        return text
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}\n{text}\n{fence}"
