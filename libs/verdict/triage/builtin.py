"""The builtin offline classifier. First version (walking skeleton): a few rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CODE_ISSUE = "CODE ISSUE"
PRODUCT_BUG = "PRODUCT BUG"
INFRASTRUCTURE = "INFRASTRUCTURE"
CLASSIFICATIONS = (CODE_ISSUE, PRODUCT_BUG, INFRASTRUCTURE)


@dataclass(frozen=True)
class Verdict:
    classification: str
    details: str
    evidence: str
    confidence: float
    rule_id: str = ""
    code_fix: dict[str, Any] | None = None
    product_bug_report: dict[str, Any] | None = field(default=None)


_RULES: list[tuple[str, str, re.Pattern[str], str, float]] = [
    (
        "infra.connection",
        INFRASTRUCTURE,
        re.compile(r"connection (refused|reset|timed out)|name or service not known", re.I),
        "The test could not reach a host it depends on: the environment's network failed.",
        0.8,
    ),
    (
        "product.http_5xx",
        PRODUCT_BUG,
        re.compile(r"\b(got|status|returned)\s*:?\s*5\d\d\b|\b5\d\d internal server error", re.I),
        "The product answered with a server error (5xx): the system under test failed.",
        0.7,
    ),
]


def classify(message: str, stack: str = "", console: str = "", test_name: str = "") -> Verdict:
    """Classify one failure group from its text alone (no network, no key)."""
    text = "\n".join(part for part in (message, stack, console) if part)
    for rule_id, category, pattern, explanation, confidence in _RULES:
        match = pattern.search(text)
        if match:
            line = _line_of(text, match.start())
            return Verdict(category, explanation, line, confidence, rule_id)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return Verdict(
        CODE_ISSUE,
        "No known infrastructure or product failure pattern matched; the failure is raised "
        "in the test itself, so the test code or its data is the first suspect.",
        first,
        0.4,
        "fallback.test_code",
    )


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end != -1 else len(text)].strip()
