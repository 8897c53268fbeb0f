"""Confidence you can act on: raw model scores mapped to how often they are right.

A Calibration is a monotone piecewise-linear map from the blended top-class
probability to the observed rate of correct answers, fitted (a logistic curve)
on predictions for failures the model was NOT trained on — the out-of-fold
predictions of a grouped cross-validation. So "0.8" means: of past failures from
projects the model had not seen that scored like this, about 80% were right.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Calibration:
    """Knots (x ascending, y non-decreasing); identity when empty."""

    xs: Sequence[float] = field(default_factory=tuple)
    ys: Sequence[float] = field(default_factory=tuple)

    def __call__(self, score: float) -> float:
        if not self.xs:
            return score
        if score <= self.xs[0]:
            return float(self.ys[0])
        if score >= self.xs[-1]:
            return float(self.ys[-1])
        i = bisect_right(self.xs, score)
        x0, x1, y0, y1 = self.xs[i - 1], self.xs[i], self.ys[i - 1], self.ys[i]
        return float(y0 + (y1 - y0) * (score - x0) / (x1 - x0)) if x1 > x0 else float(y1)

    def to_json(self) -> dict[str, Any]:
        return {"xs": list(self.xs), "ys": list(self.ys)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        return cls(
            tuple(float(x) for x in data.get("xs", ())), tuple(float(y) for y in data.get("ys", ()))
        )


def fit_calibration(scores: Sequence[float], correct: Sequence[bool]) -> Calibration:
    """A logistic (Platt) fit of correctness on score, stored as knots; too little data → identity.

    Platt rather than isotonic: with a few hundred out-of-fold points isotonic
    steps follow single failures (a 0.4 score mapped to 0.6 because two of three
    such failures happened to be right); a two-parameter sigmoid cannot.
    """
    if len(scores) < 20 or len(set(correct)) < 2:
        return Calibration()
    import math

    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=10.0)
    platt.fit([[s] for s in scores], [1 if c else 0 for c in correct])
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    xs = tuple(i / 100 for i in range(30, 101))
    ys = tuple(1.0 / (1.0 + math.exp(-(a * x + b))) for x in xs)
    return Calibration(xs, ys)
