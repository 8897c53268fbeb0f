"""What flows through the pipeline, independent of where failures came from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from verdict.triage.signature import error_signature


@dataclass(frozen=True)
class FailureInput:
    """One failing test, from JSON, JUnit XML or Jenkins."""

    test_name: str
    error_message: str = ""
    stack_trace: str = ""
    error_type: str = ""
    classname: str = ""
    name: str = ""
    child_job_name: str = ""
    child_build_number: int = 0

    @property
    def error(self) -> str:
        """The contract's `error`: the message, or the first line of the trace."""
        if self.error_message:
            return self.error_message
        return next((ln.strip() for ln in self.stack_trace.splitlines() if ln.strip()), "")

    @property
    def signature(self) -> str:
        return error_signature(self.error_message, self.stack_trace, self.error_type)


@dataclass
class GroupAnalysis:
    """The classification of one signature group, and where it came from."""

    classification: str
    details: str
    evidence: str
    confidence: float
    source: str  # builtin | ai | human | history
    provider: str = ""
    model: str = ""
    rule_id: str = ""
    code_fix: dict[str, Any] | None = None
    product_bug_report: dict[str, Any] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    peer_debate: dict[str, Any] | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    needs_review: bool = False


@dataclass
class Group:
    """Failures that share one signature within one scope of a job."""

    signature: str
    failures: list[FailureInput]
    analysis: GroupAnalysis | None = None

    @property
    def representative(self) -> FailureInput:
        return self.failures[0]

    @property
    def affected_tests(self) -> list[str]:
        return list(dict.fromkeys(f.test_name for f in self.failures))


def group_failures(failures: Iterable[FailureInput]) -> list[Group]:
    """Group by (child scope, signature), in order of first appearance."""
    groups: dict[tuple[str, int, str], Group] = {}
    for failure in failures:
        key = (failure.child_job_name, failure.child_build_number, failure.signature)
        group = groups.get(key)
        if group is None:
            groups[key] = Group(key[2], [failure])
        else:
            group.failures.append(failure)
    return list(groups.values())
