"""The builtin offline classifier: rules, structure and a learned model, blended.

How one failure group is decided (deterministic, documented for users writing
custom rules):

1. Every enabled rule that matches is a candidate; the structural analysis
   (structure.py: where the failure was raised, what kind of error) is another.
2. A matching custom (team) rule decides the class: the team knows its system.
3. Otherwise the learned model (classifier.py) blends the rules' votes, the
   structural finding and the failure's signals and words into class
   probabilities; the top class wins and its calibrated probability is the
   confidence ("0.8" = right about 80% of the time on projects it never saw).
4. The explanation comes from the strongest rule of the chosen class, else from
   the structural finding if it agrees, else from the signals that decided.

Among rules of one class, ties go to: higher confidence, a custom rule over a
shipped one, the match in the most direct field (message, then stack, then
console), the longer matched text, then file order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from verdict.triage.classifier import blend, default_model, named_features
from verdict.triage.learned import LinearModel, document
from verdict.triage.normalize import Frame, exception_type, scrub
from verdict.triage.rules import RuleMatch, RuleSet, build_ruleset, render_explanation
from verdict.triage.structure import Finding, analyze, is_test_path, locate

CODE_ISSUE = "CODE ISSUE"
PRODUCT_BUG = "PRODUCT BUG"
INFRASTRUCTURE = "INFRASTRUCTURE"
CLASSIFICATIONS = (CODE_ISSUE, PRODUCT_BUG, INFRASTRUCTURE)

_TARGET_RANK = {"message": 3, "stack": 2, "console": 1}


@dataclass(frozen=True)
class Verdict:
    classification: str
    details: str
    evidence: str
    confidence: float
    rule_id: str = ""
    code_fix: dict[str, Any] | None = None
    product_bug_report: dict[str, Any] | None = field(default=None)
    raw_score: float = 0.0  # the model's top probability before calibration


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    return build_ruleset()


def classify(
    message: str,
    stack: str = "",
    console: str = "",
    test_name: str = "",
    *,
    rules: RuleSet | None = None,
    tests_repo_layout: Sequence[str] = (),
    model: LinearModel | None = None,
) -> Verdict:
    """Classify one failure group from its text alone (no network, no key).

    tests_repo_layout: globs or directory names that mark test code when the tests
    live apart from the usual conventions (e.g. ["qa/suites", "*/scenarios/*"]).
    model: a retrained model (human overrides); the shipped corpus's by default.
    """
    ruleset = rules if rules is not None else default_ruleset()
    matches = ruleset.matches(message, stack, console)
    finding = analyze(message, stack, console, test_name, tests_repo_layout)
    custom = _best_match([m for m in matches if m.rule.source == "custom"])
    if custom is not None:
        frame, in_test = locate(stack, tests_repo_layout)
        return _from_rule(custom, message, stack, test_name, frame, in_test)
    words = document(message, stack, console, test_name)
    named = named_features(message, stack, console, test_name, matches, finding, tests_repo_layout)
    decided = blend(model if model is not None else default_model(), words, named)
    chosen = decided.classification
    best = _best_match([m for m in matches if m.rule.category == chosen])
    if best is not None:
        frame, in_test = locate(stack, tests_repo_layout)
        verdict = _from_rule(best, message, stack, test_name, frame, in_test)
    elif finding.category == chosen:
        verdict = _from_finding(finding, message, stack, test_name)
    else:
        verdict = _from_signals(chosen, named, finding, message, stack, test_name)
    return replace(verdict, confidence=round(decided.confidence, 2), raw_score=decided.raw)


def _from_signals(
    chosen: str,
    named: dict[str, float],
    finding: Finding,
    message: str,
    stack: str,
    test_name: str,
) -> Verdict:
    """No rule of the chosen class and structure disagrees: say which signals decided."""
    kinds = sorted({k.split(":", 1)[1] for k in named if k.startswith("any:")})
    where = next(
        (k.split(":", 1)[1] for k in named if k.startswith("where:") and named[k] == 1.0), ""
    )
    shown = ", ".join(kind.replace("_", " ") for kind in kinds) or "no specific signal"
    first = next((ln.strip() for ln in (message or stack).splitlines() if ln.strip()), "")
    details = (
        f"The failure reported: {first[:160] or 'no message'}. Learned from labelled CI "
        f"failures of other projects: these signals ({shown}; raised in "
        f"{where or 'an unknown place'}) most often mean a {chosen}."
    )
    finding = Finding(chosen, 0.0, details, finding.evidence, finding.frame, finding.in_test)
    verdict = _from_finding(finding, message, stack, test_name)
    return replace(verdict, rule_id="learned." + chosen.split()[0].lower())


def _best_match(matches: Sequence[RuleMatch]) -> RuleMatch | None:
    if not matches:
        return None
    ranked = sorted(
        enumerate(matches),
        key=lambda item: (
            item[1].rule.confidence,
            item[1].rule.source == "custom",
            _TARGET_RANK[item[1].target],
            item[1].end - item[1].start,
            -item[0],
        ),
        reverse=True,
    )
    return ranked[0][1]


def _from_rule(
    match: RuleMatch,
    message: str,
    stack: str,
    test_name: str,
    frame: Frame | None,
    in_test: bool | None,
) -> Verdict:
    rule = match.rule
    details = match.explanation
    if frame is not None and rule.category != INFRASTRUCTURE:
        side = "test code" if in_test else "product code"
        details += f" Raised at {frame.function or '?'} in {frame.file or '?'} ({side})."
    fix = render_explanation(rule, match.groups, rule.fix) if rule.fix else ""
    return _verdict(
        rule.category,
        details,
        match.line,
        rule.confidence,
        rule.id,
        message,
        stack,
        test_name,
        frame if in_test else None,
        fix,
        rule.severity,
    )


def _from_finding(finding: Finding, message: str, stack: str, test_name: str) -> Verdict:
    return _verdict(
        finding.category,
        finding.details,
        finding.evidence,
        finding.confidence,
        "structure." + _slug(finding),
        message,
        stack,
        test_name,
        finding.frame if finding.in_test else None,
        "",
        "high" if finding.confidence >= 0.7 else "medium",
    )


def _slug(finding: Finding) -> str:
    where = {True: "test_code", False: "product_code", None: "unlocated"}[finding.in_test]
    return f"{finding.category.split()[0].lower()}.{where}"


def _verdict(
    category: str,
    details: str,
    evidence: str,
    confidence: float,
    rule_id: str,
    message: str,
    stack: str,
    test_name: str,
    test_frame: Frame | None,
    fix: str,
    severity: str,
) -> Verdict:
    code_fix = None
    bug = None
    if category == CODE_ISSUE:
        code_fix = _code_fix(test_frame, test_name, fix or details)
    elif category == PRODUCT_BUG:
        bug = _bug_report(message, stack, test_name, details, evidence, severity)
    return Verdict(category, details, evidence, round(confidence, 2), rule_id, code_fix, bug)


_TEST_ID_FILE = re.compile(r"^(?P<file>[\w./\\-]+\.\w+)::")


def _code_fix(frame: Frame | None, test_name: str, change: str) -> dict[str, Any] | None:
    """Where to change the test: the raising test frame, else a path-like test id."""
    if frame is not None and frame.file:
        return {"file": frame.file, "line": frame.line, "change": change}
    found = _TEST_ID_FILE.match(test_name.strip())
    if found and is_test_path(found.group("file")):
        return {"file": found.group("file"), "line": "", "change": change}
    return None


_WORD = re.compile(r"[A-Za-z_][A-Za-z_.]{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "was",
        "were",
        "not",
        "but",
        "got",
        "has",
        "have",
        "had",
        "are",
        "into",
        "its",
        "error",
        "failed",
        "failure",
        "test",
        "tests",
        "expected",
        "actual",
        "value",
        "values",
        "none",
        "null",
        "true",
        "false",
        "line",
        "file",
        "type",
        "object",
        "at",
        "of",
        "on",
        "in",
        "to",
        "by",
        "is",
        "be",
        "an",
        "or",
    ]
)


def _keywords(message: str, stack: str) -> list[str]:
    """Distinctive words of the error for a Jira search: no numbers, ids or filler."""
    words: list[str] = []
    etype = exception_type(message, stack)
    if etype:
        words.append(etype.rsplit(".", 1)[-1])
    for token in _WORD.findall(scrub(message)):
        token = token.strip("._")
        low = token.lower()
        if len(token) < 3 or low in _STOP or any(low == w.lower() for w in words):
            continue
        words.append(token)
        if len(words) == 8:
            break
    return words


def _bug_report(
    message: str, stack: str, test_name: str, details: str, evidence: str, severity: str
) -> dict[str, Any]:
    frame, in_test = locate(stack)
    component = _component(frame) if frame is not None and not in_test else ""
    title_source = evidence or next(iter(message.splitlines()), "") or details
    # The title is read by people: the real line, not its scrubbed signature form.
    title = next((ln.strip() for ln in title_source.splitlines() if ln.strip()), details)
    return {
        "title": title[:120],
        "severity": severity,
        "component": component or "unknown",
        "description": f"{details}\nFailing test: {test_name or 'unknown'}",
        "evidence": evidence,
        "jira_search_keywords": _keywords(message, stack),
    }


def _component(frame: Frame) -> str:
    """The product area: the file's directory, or the package of a qualified function."""
    parts = [p for p in re.split(r"[/\\]", frame.file) if p not in ("", ".", "..")]
    if len(parts) >= 2:
        return parts[-2]
    if "." in frame.function:
        return frame.function.rsplit(".", 2)[0]
    return parts[-1] if parts else ""
