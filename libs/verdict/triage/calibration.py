"""Confidence you can act on: raw model scores mapped to how often they are right.

A Calibration is a monotone piecewise-linear map from the blended top-class
probability to the observed rate of correct answers, fitted (isotonic regression)
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
    """Isotonic fit of correctness on score; too little data → identity."""
    if len(scores) < 20 or len(set(correct)) < 2:
        return Calibration()
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(list(scores), [1.0 if c else 0.0 for c in correct])
    xs = [float(x) for x in iso.X_thresholds_]
    ys = [float(y) for y in iso.y_thresholds_]
    return Calibration(tuple(xs), tuple(ys))
