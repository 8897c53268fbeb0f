"""The learned component: a small linear model over words, signals and the rules' votes.

Trained with scikit-learn (TF-IDF + multinomial logistic regression) on the labelled
corpus shipped in the package (corpus/*.jsonl) plus, when a team has corrected
verdicts, its human overrides. Why this shape:

- small and deterministic: lbfgs on a few hundred rows takes well under a second,
  gives the same weights every time, and needs no download (no weights shipped,
  nothing pickled: the model is rebuilt from data, or read back from plain JSON);
- it blends with the rules instead of replacing them: each shipped rule's vote and
  the structural finding are features, so the model learns how far to trust them;
- inference does not call scikit-learn: a fitted model is reduced to a vocabulary,
  idf weights and a coefficient matrix, and scoring one failure is a dictionary
  walk and a 3-row dot product (a 10,000-failure report stays cheap).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from verdict.triage.calibration import Calibration
from verdict.triage.normalize import scrub

CLASSES = ("CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE")
MAX_DOC = 6000  # characters of each field that become words
_TOKEN = re.compile(r"[a-z][a-z0-9_]{1,30}")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class Example:
    """One labelled failure. `group` is its source project: CV folds never split one."""

    message: str
    stack: str
    console: str
    test_name: str
    label: str
    group: str = ""
    weight: float = 1.0


def document(message: str, stack: str, console: str, test_name: str) -> list[str]:
    """The words a failure is made of, noise scrubbed, camelCase split, lowercased."""
    parts = (message[:MAX_DOC], stack[:MAX_DOC], console[-MAX_DOC:], test_name[:300])
    text = "\n".join(scrub(_CAMEL.sub(" ", part)) for part in parts if part)
    return _TOKEN.findall(text.lower().replace("<n>", " "))


@dataclass(frozen=True)
class LinearModel:
    """A fitted model reduced to plain data: vocabulary, idf, weights, calibration."""

    vocabulary: Mapping[str, int]
    idf: Sequence[float]
    features: Mapping[str, int]  # named (signal/rule) features, after the words
    coef: Sequence[Sequence[float]]  # one row per class
    intercept: Sequence[float]
    calibration: Calibration = field(default_factory=Calibration)
    trained_on: int = 0

    def proba(self, words: Iterable[str], named: Mapping[str, float]) -> list[float]:
        """Class probabilities for one failure (uncalibrated softmax)."""
        counts = Counter(w for w in words if w in self.vocabulary)
        scores = list(self.intercept)
        if counts:
            weights = {
                self.vocabulary[w]: (1.0 + math.log(n)) * self.idf[self.vocabulary[w]]
                for w, n in counts.items()
            }
            norm = math.sqrt(sum(v * v for v in weights.values()))
            for index, value in weights.items():
                for c, row in enumerate(self.coef):
                    scores[c] += row[index] * value / norm
        for name, value in named.items():
            column = self.features.get(name)
            if column is not None and value:
                for c, row in enumerate(self.coef):
                    scores[c] += row[column] * value
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return [e / total for e in exp]

    def to_json(self) -> dict[str, Any]:
        return {
            "vocabulary": dict(self.vocabulary),
            "idf": list(self.idf),
            "features": dict(self.features),
            "coef": [list(row) for row in self.coef],
            "intercept": list(self.intercept),
            "calibration": self.calibration.to_json(),
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        return cls(
            vocabulary=dict(data["vocabulary"]),
            idf=[float(v) for v in data["idf"]],
            features={k: int(v) for k, v in data["features"].items()},
            coef=[[float(v) for v in row] for row in data["coef"]],
            intercept=[float(v) for v in data["intercept"]],
            calibration=Calibration.from_json(data.get("calibration") or {}),
            trained_on=int(data.get("trained_on", 0)),
        )


# Regularisation: strong, because a few hundred rows from ~130 projects are easy to
# memorise; chosen once on grouped CV (folds by project), not per corpus case.
C = 0.5
NAMED_SCALE = 1.0


def fit(
    rows: Sequence[tuple[list[str], Mapping[str, float], str, float]],
    *,
    c: float = C,
) -> LinearModel:
    """Fit on (words, named features, label, weight) rows; returns plain data."""
    import numpy as np  # imported lazily: only training needs numpy/scikit-learn
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(
        analyzer=lambda doc: doc,  # already tokenised by document()
        min_df=2,  # a word seen in one failure only is that failure's, not a signal
        sublinear_tf=True,
    )
    text = words.fit_transform([r[0] for r in rows])
    named = DictVectorizer()
    extra = named.fit_transform([dict(r[1]) for r in rows]) * NAMED_SCALE
    matrix = csr_matrix(hstack([text, extra]))
    labels = [r[2] for r in rows]
    weights = np.array([r[3] for r in rows], dtype=float)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(matrix, labels, sample_weight=weights)
    order = [list(model.classes_).index(cls) for cls in CLASSES if cls in model.classes_]
    if len(order) != len(CLASSES):
        raise ValueError("training data must contain every class")
    width = text.shape[1]
    vocabulary = {w: int(i) for w, i in words.vocabulary_.items()}
    features = {n: int(i) + width for n, i in named.vocabulary_.items()}
    coef = model.coef_[order]
    scale = np.ones(matrix.shape[1])
    scale[width:] = NAMED_SCALE  # fold the named-feature scaling into the weights
    return LinearModel(
        vocabulary=vocabulary,
        idf=[float(v) for v in words.idf_],
        features=features,
        coef=[[float(v) for v in row * scale] for row in coef],
        intercept=[float(v) for v in model.intercept_[order]],
        trained_on=len(rows),
    )
