"""What a model must answer, how it is pulled out of the text, and what we keep of it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .base import Completion

Classification = Literal["CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE"]

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.S)


class _Lenient(BaseModel):
    # Models add keys of their own; ignoring them beats a repair round trip.
    model_config = ConfigDict(extra="ignore")


class CodeFixAnswer(_Lenient):
    file: str
    line: str = ""
    change: str

    @field_validator("line", mode="before")
    @classmethod
    def _line_as_text(cls, value: Any) -> Any:
        return "" if value is None else str(value) if isinstance(value, int) else value


class BugReportAnswer(_Lenient):
    title: str
    severity: str = "medium"
    component: str = ""
    description: str = ""
    evidence: str = ""
    jira_search_keywords: list[str] = Field(default_factory=list)


class AnalysisAnswer(_Lenient):
    classification: Classification
    details: str = Field(min_length=1)
    artifacts_evidence: str = ""
    code_fix: CodeFixAnswer | None = None
    product_bug_report: BugReportAnswer | None = None
    confidence: float = Field(ge=0, le=1)

    @field_validator("classification", mode="before")
    @classmethod
    def _canonical(cls, value: Any) -> Any:
        # "code_issue", "Product Bug" and friends all mean the same thing.
        return value.strip().upper().replace("_", " ") if isinstance(value, str) else value

    @field_validator("code_fix", "product_bug_report", mode="before")
    @classmethod
    def _false_is_none(cls, value: Any) -> Any:
        # JJI-style answers use `false` for "not applicable".
        return None if value is False else value

    def detail(self) -> dict[str, Any]:
        """AnalysisDetail shape without affected_tests (the analyzer knows those)."""
        fix = self.code_fix if self.classification == "CODE ISSUE" else None
        bug = self.product_bug_report if self.classification == "PRODUCT BUG" else None
        return {
            "classification": self.classification,
            "details": self.details,
            "artifacts_evidence": self.artifacts_evidence,
            "code_fix": fix.model_dump() if fix else None,
            "product_bug_report": bug.model_dump() if bug else None,
        }


@dataclass
class Usage:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0

    def add(self, completion: Completion, cost: float) -> None:
        self.calls += 1
        self.input_tokens += completion.input_tokens
        self.output_tokens += completion.output_tokens
        self.cost += cost

    def merge(self, other: Usage) -> None:
        self.calls += other.calls
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cost += other.cost

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost": round(self.cost, 6),
        }


@dataclass
class AiAnswer:
    detail: dict[str, Any]
    confidence: float
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)

    @property
    def classification(self) -> str:
        return str(self.detail["classification"])


def extract_json(text: str) -> Any:
    """The first JSON object in `text`: bare, inside ``` fences, or after some prose."""
    stripped = text.strip()
    candidates = [stripped, *(m.group(1).strip() for m in _FENCE.finditer(stripped))]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", stripped):
        try:
            value, _ = decoder.raw_decode(stripped, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("no JSON object found in the answer")
