"""Confidence you can act on: which answers need a person, which groups go to the AI.

Calibrated confidence (classifier.py) makes one threshold meaningful everywhere:
below VERDICT_REVIEW_BELOW an answer carries `needs_review`, and in
VERDICT_AI_MODE=low-confidence only those groups are sent to the AI; the rest keep
the builtin answer and cost nothing.
"""

from __future__ import annotations

from typing import Literal

AiMode = Literal["all", "low-confidence"]
AI_MODES: tuple[str, ...] = ("all", "low-confidence")


def needs_review(confidence: float, source: str, review_below: float) -> bool:
    """A person should look: the answer is below the threshold and no person gave it."""
    return source != "human" and confidence < review_below


def wants_ai(mode: str, builtin_confidence: float, review_below: float) -> bool:
    """Whether a group the builtin classifier answered should still go to the AI."""
    if mode == "low-confidence":
        return builtin_confidence < review_below
    return True


def review_note(count: int) -> str:
    """The summary's tail: how many failures need a person."""
    if not count:
        return ""
    return f"; {count} {'needs' if count == 1 else 'need'} review"
