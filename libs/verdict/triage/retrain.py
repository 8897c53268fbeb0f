"""Learning from people: human overrides become training rows for similar failures.

A human override already answers its own signature (storage/reuse.py). Retraining
goes further: the override's failure text joins the shipped corpus, weighted above
a corpus row (the team said so about its own system), so failures that share its
words and signals — not only its exact signature — move toward the team's answer.
Pure: the rows come in, a model goes out (services/triage_model.py does the I/O).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from verdict.triage.classifier import load_corpus, train
from verdict.triage.learned import CLASSES, Example, LinearModel
from verdict.triage.rules import RuleSet

# An override counts three times a corpus row (chosen on the held-back-fold replay
# in bench_triage_accuracy.py: high enough to move similar failures of that
# project, low enough not to drown the corpus for everyone else).
OVERRIDE_WEIGHT = 3.0


def examples_from_overrides(rows: Iterable[Mapping[str, object]]) -> list[Example]:
    """Override rows (classification, error_message, test_name, job_name) as examples."""
    out = []
    for row in rows:
        label = str(row["classification"])
        message = str(row.get("error_message") or "")
        if label not in CLASSES or not message.strip():
            continue
        job = str(row.get("parent_job_name") or row.get("failure_job_name") or "")
        out.append(
            Example(
                message=message,
                stack="",
                console="",
                test_name=str(row.get("test_name") or ""),
                label=label,
                group="override:" + job,
                weight=OVERRIDE_WEIGHT,
            )
        )
    return out


def retrain_model(overrides: list[Example], ruleset: RuleSet) -> LinearModel:
    """The shipped corpus plus the team's overrides (and its rules' examples)."""
    return train([*load_corpus(), *overrides], ruleset)


@dataclass
class ModelCache:
    """The newest stored model of this process, reloaded only when a newer one exists."""

    model_id: int | None = None
    model: LinearModel | None = field(default=None, repr=False)

    def get(self, model_id: int | None) -> LinearModel | None:
        return self.model if model_id is not None and model_id == self.model_id else None

    def put(self, model_id: int, model: LinearModel) -> LinearModel:
        self.model_id, self.model = model_id, model
        return model
