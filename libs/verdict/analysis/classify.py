"""Classifiers answer one group at a time; the builtin one needs no network or key."""

from __future__ import annotations

from typing import Protocol

from verdict.analysis.model import Group, GroupAnalysis
from verdict.triage import builtin


class Classifier(Protocol):
    name: str
    model: str

    async def classify(self, group: Group) -> GroupAnalysis: ...


class BuiltinClassifier:
    """The offline default: deterministic rules over the failure text."""

    name = "builtin"
    model = ""

    async def classify(self, group: Group) -> GroupAnalysis:
        first = group.representative
        verdict = builtin.classify(first.error_message, first.stack_trace, "", first.test_name)
        return GroupAnalysis(
            classification=verdict.classification,
            details=verdict.details,
            evidence=verdict.evidence,
            confidence=verdict.confidence,
            source="builtin",
            provider="builtin",
            rule_id=verdict.rule_id,
            code_fix=verdict.code_fix,
            product_bug_report=verdict.product_bug_report,
        )
