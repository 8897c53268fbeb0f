"""Blend rules, structure and the learned model into one calibrated verdict.

`blend()` takes what builtin.classify already computed (rule matches, the
structural finding) and the model, and returns class probabilities plus a
calibrated confidence. The default model is trained at first use — in each
worker's start-up, from the labelled corpus shipped inside the package — because
that keeps the package free of binary artifacts, the training is deterministic and
takes well under a second, and a team's retrained model (human overrides, see
retrain.py) is the same code path with more rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from verdict.triage.calibration import fit_calibration
from verdict.triage.learned import CLASSES, Example, LinearModel, document, fit
from verdict.triage.rules import RuleMatch, RuleSet
from verdict.triage.signals import signal_features
from verdict.triage.structure import Finding, analyze

# Group of the rules' own examples used as training rows (never calibration rows).
KNOWLEDGE_GROUP = "rule:"
CORPUS_FILES = ("triage-dev.jsonl", "triage-train.jsonl")
# Folds for the calibration fit inside training (by project, as the bench's CV).
CALIBRATION_FOLDS = 5


@dataclass(frozen=True)
class Blend:
    probabilities: dict[str, float]
    classification: str
    raw: float  # top probability before calibration
    confidence: float  # calibrated: how often answers scoring like this are right


def named_features(
    message: str,
    stack: str,
    console: str,
    test_name: str,
    matches: Sequence[RuleMatch],
    finding: Finding,
    layout: Sequence[str] = (),
) -> dict[str, float]:
    """Signals + the rules' and structure's votes, as the model's named features."""
    named = signal_features(message, stack, console, test_name, layout)
    for match in matches:
        key = f"rule:{match.rule.category}"
        named[key] = max(named.get(key, 0.0), match.rule.confidence)
        if match.rule.source == "custom":
            named[f"custom:{match.rule.category}"] = 1.0
    if matches:
        # The single most confident rule: a specific rule (registry 5xx, 0.9) and a
        # generic one (any HTTP 500, 0.75) both vote; this says which is sharper.
        top = max(matches, key=lambda m: m.rule.confidence)
        named[f"rule_top:{top.rule.category}"] = top.rule.confidence
    named[f"struct:{finding.category}"] = finding.confidence
    where = {True: "test", False: "product", None: "unknown"}[finding.in_test]
    named[f"struct:{finding.category}:{where}"] = 1.0
    return named


def example_row(
    example: Example, ruleset: RuleSet
) -> tuple[list[str], dict[str, float], str, float]:
    matches = ruleset.matches(example.message, example.stack, example.console)
    finding = analyze(example.message, example.stack, example.console, example.test_name)
    words = document(example.message, example.stack, example.console, example.test_name)
    named = named_features(
        example.message, example.stack, example.console, example.test_name, matches, finding
    )
    return words, named, example.label, example.weight


Row = tuple[list[str], dict[str, float], str, float]


def train_rows(
    rows: Sequence[Row], groups: Sequence[str], *, calibrate: bool = True
) -> LinearModel:
    """Fit the model; calibrate on its own grouped out-of-fold predictions."""
    model = fit(rows)
    if not calibrate:
        return model
    scores, correct = out_of_fold(rows, groups, CALIBRATION_FOLDS)
    return LinearModel(
        model.vocabulary,
        model.idf,
        model.features,
        model.coef,
        model.intercept,
        fit_calibration(scores, correct),
        model.trained_on,
    )


def out_of_fold(
    rows: Sequence[Row], groups: Sequence[str], folds: int
) -> tuple[list[float], list[bool]]:
    """Top-class probability and correctness per row, from models that never saw its project."""
    scores: list[float] = []
    correct: list[bool] = []
    for train_idx, test_idx in grouped_folds(groups, folds):
        model = fit([rows[i] for i in train_idx])
        for i in test_idx:
            if groups[i].startswith(KNOWLEDGE_GROUP):
                continue  # rule examples teach; only real failures calibrate
            probs = model.proba(rows[i][0], rows[i][1])
            best = max(range(len(CLASSES)), key=probs.__getitem__)
            scores.append(probs[best])
            correct.append(CLASSES[best] == rows[i][2])
    return scores, correct


def grouped_folds(groups: Sequence[str], folds: int) -> list[tuple[list[int], list[int]]]:
    """Deterministic folds by group (project): no project on both sides."""
    from sklearn.model_selection import GroupKFold

    splitter = GroupKFold(n_splits=min(folds, len(set(groups))))
    indices = list(range(len(groups)))
    return [
        (list(map(int, a)), list(map(int, b)))
        for a, b in splitter.split(indices, groups=list(groups))
    ]


def blend(model: LinearModel, words: Iterable[str], named: Mapping[str, float]) -> Blend:
    probs = model.proba(words, named)
    best = max(range(len(CLASSES)), key=probs.__getitem__)
    return Blend(
        dict(zip(CLASSES, probs, strict=True)),
        CLASSES[best],
        probs[best],
        model.calibration(probs[best]),
    )


def load_corpus(files: Sequence[str] = CORPUS_FILES) -> list[Example]:
    """The labelled corpus shipped in the package (real CI failures, see SOURCES.tsv)."""
    examples: list[Example] = []
    folder = resources.files("verdict.triage").joinpath("corpus")
    for name in files:
        for line in folder.joinpath(name).read_text("utf-8").splitlines():
            if line.strip():
                examples.append(example_from_json(json.loads(line)))
    return examples


def example_from_json(row: Mapping[str, object]) -> Example:
    source = str(row.get("source") or "")
    return Example(
        message=str(row.get("error_message") or ""),
        stack=str(row.get("stack_trace") or ""),
        console=str(row.get("console_excerpt") or ""),
        test_name=str(row.get("test_name") or ""),
        label=str(row["label"]),
        group=source.split("#", 1)[0],
    )


# A rule example weighs less than a real failure: it is a short, clean illustration.
KNOWLEDGE_WEIGHT = 0.2


def knowledge_examples(ruleset: RuleSet) -> list[Example]:
    """Every enabled rule's own examples as labelled rows: the rules' knowledge, taught.

    They cover failure modes the corpus has few of (a 5xx assertion, a removed
    stdlib module), so the model does not discount a rule just for being rare.
    """
    out: list[Example] = []
    for rule in ruleset.rules:
        if not rule.enabled:
            continue
        for text in rule.examples:
            target = "message" if rule.target == "any" else rule.target
            fields = {"message": "", "stack": "", "console": "", target: text}
            out.append(
                Example(
                    fields["message"],
                    fields["stack"],
                    fields["console"],
                    "",
                    rule.category,
                    KNOWLEDGE_GROUP + rule.id,
                    KNOWLEDGE_WEIGHT,
                )
            )
    return out


def train(examples: Sequence[Example], ruleset: RuleSet, *, calibrate: bool = True) -> LinearModel:
    """Train on labelled failures plus the rule set's own examples."""
    everything = [*examples, *knowledge_examples(ruleset)]
    rows = [example_row(e, ruleset) for e in everything]
    groups = [e.group or str(i) for i, e in enumerate(everything)]
    return train_rows(rows, groups, calibrate=calibrate)


@lru_cache(maxsize=1)
def default_model() -> LinearModel:
    """The shipped corpus's model, trained once per process (deterministic)."""
    from verdict.triage.builtin import default_ruleset

    return train(load_corpus(), default_ruleset())
