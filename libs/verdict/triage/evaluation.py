"""Honest evaluation: grouped cross-validation, folds split by source project.

A project's failures share words, paths and habits; letting one project sit on
both sides of a fold measures memory, not generalization. Every figure here comes
from predictions for projects the model (and its calibration) never saw. Used by
tests/bench/bench_triage_accuracy.py and by `verdict retrain`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from verdict.triage.classifier import Row, blend, grouped_folds, train_rows
from verdict.triage.learned import CLASSES

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class Prediction:
    label: str
    predicted: str
    confidence: float

    @property
    def right(self) -> bool:
        return self.label == self.predicted


def cross_validate(
    rows: Sequence[Row],
    groups: Sequence[str],
    folds: int = 10,
    extra: Sequence[tuple[Row, str]] = (),
) -> list[Prediction]:
    """Out-of-fold predictions, calibration nested inside each training fold.

    extra: more training rows (e.g. human overrides) with their group; a row joins
    a fold's training set only when its group is not being tested in that fold.
    """
    out: list[Prediction | None] = [None] * len(rows)
    for train_idx, test_idx in grouped_folds(groups, folds):
        held_out = {groups[i] for i in test_idx}
        train = [rows[i] for i in train_idx] + [r for r, g in extra if g not in held_out]
        train_groups = [groups[i] for i in train_idx] + [g for _, g in extra if g not in held_out]
        model = train_rows(train, train_groups)
        for i in test_idx:
            decided = blend(model, rows[i][0], rows[i][1])
            out[i] = Prediction(rows[i][2], decided.classification, decided.confidence)
    return [p for p in out if p is not None]


def accuracy(predictions: Sequence[Prediction]) -> float:
    return sum(p.right for p in predictions) / len(predictions) if predictions else 0.0


def recall(predictions: Sequence[Prediction], cls: str) -> float:
    of_class = [p for p in predictions if p.label == cls]
    return accuracy(of_class)


def precision(predictions: Sequence[Prediction], cls: str) -> float:
    said = [p for p in predictions if p.predicted == cls]
    return accuracy(said)


def coverage_curve(
    predictions: Sequence[Prediction], thresholds: Sequence[float] = THRESHOLDS
) -> list[tuple[float, float, float, int]]:
    """(t, share with confidence ≥ t, share of those right, count) per threshold."""
    curve = []
    for t in thresholds:
        kept = [p for p in predictions if p.confidence >= t]
        share = len(kept) / len(predictions) if predictions else 0.0
        curve.append((t, share, accuracy(kept), len(kept)))
    return curve


def confusion(predictions: Sequence[Prediction]) -> Counter[tuple[str, str]]:
    return Counter((p.label, p.predicted) for p in predictions)


def report(predictions: Sequence[Prediction], title: str) -> list[str]:
    """Human-readable lines: overall, per class, confusion, coverage/precision."""
    right = sum(p.right for p in predictions)
    lines = [f"{title}: {accuracy(predictions):.1%} ({right}/{len(predictions)})"]
    lines.append(f"  {'class':<16}{'recall':>8}{'precision':>11}{'support':>9}")
    for cls in CLASSES:
        support = sum(1 for p in predictions if p.label == cls)
        rec, prec = recall(predictions, cls), precision(predictions, cls)
        lines.append(f"  {cls:<16}{rec:>8.1%}{prec:>11.1%}{support:>9}")
    matrix = confusion(predictions)
    lines.append("  confusion (rows = label, columns = prediction)")
    lines.append("  " + " " * 16 + "".join(f"{c:>16}" for c in CLASSES))
    for label in CLASSES:
        lines.append(f"  {label:<16}" + "".join(f"{matrix[(label, c)]:>16}" for c in CLASSES))
    lines.append("  confidence ≥ t: share of failures, share of those right")
    for t, share, hit, n in coverage_curve(predictions):
        lines.append(f"    t={t:.1f}  coverage {share:6.1%} ({n:>3})  precision {hit:6.1%}")
    return lines
