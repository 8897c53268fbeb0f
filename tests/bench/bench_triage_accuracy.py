"""Accuracy of the builtin classifier, measured the way it will be used: on unseen projects.

Run: python tests/bench/bench_triage_accuracy.py [--misses]

Prints, for the whole labelled corpus (tests/data/triage/triage-dev + triage-train):
- GROUPED cross-validated accuracy (10 folds split by source project `owner/repo`,
  calibration fitted inside each training fold), overall, per class, with the
  confusion matrix and the coverage/precision curve for confidence ≥ 0.5 … 0.9;
- the same figures restricted to the train-split rows (the shipped rules were written
  while looking at the dev split, so dev rows flatter the rules' votes);
- the rules + structure alone (the previous classifier's precedence), same folds;
- accuracy on the dev split of a model trained on the train split only, and of the
  shipped model (trained on everything: in-sample, shown only as today's figure);
- the effect of learning from human overrides: a held-back fold's corrections
  replayed as training rows for similar (not identical) failures of that project.
Figures are printed against the issue's targets; the exit code is 0 either way.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "libs"))

from verdict.triage.builtin import CLASSIFICATIONS, classify, default_ruleset  # noqa: E402
from verdict.triage.classifier import (  # noqa: E402
    example_from_json,
    example_row,
    grouped_folds,
    knowledge_examples,
    train,
)
from verdict.triage.evaluation import (  # noqa: E402
    Prediction,
    accuracy,
    coverage_curve,
    cross_validate,
    recall,
    report,
)
from verdict.triage.structure import analyze  # noqa: E402

DATA = ROOT / "tests" / "data" / "triage"
FOLDS = 10


def load(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def rules_only(examples, ruleset) -> list[Prediction]:  # type: ignore[no-untyped-def]
    """The previous precedence: the most confident of best rule and structure."""
    out = []
    for e in examples:
        matches = ruleset.matches(e.message, e.stack, e.console)
        finding = analyze(e.message, e.stack, e.console, e.test_name)
        best = max(matches, key=lambda m: m.rule.confidence, default=None)
        if best is not None and best.rule.confidence >= finding.confidence:
            out.append(Prediction(e.label, best.rule.category, best.rule.confidence))
        else:
            out.append(Prediction(e.label, finding.category, finding.confidence))
    return out


def override_replay(rows, groups, knowledge) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """Half of each held-out project's failures become human overrides; score the other half.

    Per fold: the projects under test contribute their first failure(s) as overrides
    (the team corrected those verdicts); the remaining failures of those projects are
    scored with and without the overrides. Only projects with 2+ failures take part.
    """
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    multi = {g for g, idx in by_group.items() if len(idx) >= 2}
    base: list[Prediction] = []
    with_overrides: list[Prediction] = []
    from verdict.triage.classifier import blend, train_rows

    for train_idx, test_idx in grouped_folds(groups, FOLDS):
        tested = [g for g in dict.fromkeys(groups[i] for i in test_idx) if g in multi]
        if not tested:
            continue
        corrected = [by_group[g][: len(by_group[g]) // 2] for g in tested]
        scored = [i for g in tested for i in by_group[g][len(by_group[g]) // 2 :]]
        train_rows_ = [rows[i] for i in train_idx] + [r for r, _ in knowledge]
        train_groups = [groups[i] for i in train_idx] + [g for _, g in knowledge]
        plain = train_rows(train_rows_, train_groups)
        extra = [i for part in corrected for i in part]
        # An override weighs more than a corpus row: the team said so about its own system.
        boosted = [(w, n, lab, 3.0) for w, n, lab, _ in (rows[i] for i in extra)]
        taught = train_rows(train_rows_ + boosted, train_groups + [groups[i] for i in extra])
        for i in scored:
            for model, sink in ((plain, base), (taught, with_overrides)):
                d = blend(model, rows[i][0], rows[i][1])
                sink.append(Prediction(rows[i][2], d.classification, d.confidence))
    return accuracy(base), accuracy(with_overrides), len(base)


def main(argv: list[str]) -> int:
    raw_dev, raw_train = load("triage-dev.jsonl"), load("triage-train.jsonl")
    examples = [example_from_json(r) for r in raw_dev + raw_train]
    ruleset = default_ruleset()
    started = time.perf_counter()
    rows = [example_row(e, ruleset) for e in examples]
    groups = [e.group for e in examples]
    knowledge = [(example_row(e, ruleset), e.group) for e in knowledge_examples(ruleset)]
    predictions = cross_validate(rows, groups, FOLDS, knowledge)
    elapsed = time.perf_counter() - started
    projects = len(set(groups))
    print(
        f"corpus: {len(examples)} failures from {projects} projects "
        f"(dev {len(raw_dev)}, train {len(raw_train)}); {FOLDS} folds by project; "
        f"CV took {elapsed:.1f} s"
    )
    for line in report(predictions, "GROUPED CV accuracy, whole corpus"):
        print(line)
    overall = accuracy(predictions)
    per_class = {c: recall(predictions, c) for c in CLASSIFICATIONS}
    at08 = next(row for row in coverage_curve(predictions) if row[0] == 0.8)
    print("\ntargets (grouped CV):")
    print(f"  overall {overall:.1%} (target ≥ 85%) {'MET' if overall >= 0.85 else 'MISSED'}")
    for cls, value in per_class.items():
        print(
            f"  {cls:<15} recall {value:.1%} (target ≥ 75%) {'MET' if value >= 0.75 else 'MISSED'}"
        )
    pb = per_class["PRODUCT BUG"]
    print(f"  PRODUCT BUG recall {pb:.1%} (target ≥ 75%) {'MET' if pb >= 0.75 else 'MISSED'}")
    ok = at08[2] >= 0.95 and at08[1] >= 0.60
    print(
        f"  confidence ≥ 0.8: {at08[2]:.1%} right on {at08[1]:.1%} of failures "
        f"(target ≥ 95% on ≥ 60%) {'MET' if ok else 'MISSED'}; "
        f"calibration '≥ 0.8 means ≥ 90% right' {'MET' if at08[2] >= 0.9 else 'MISSED'}"
    )

    train_rows_only = predictions[len(raw_dev) :]
    print()
    for line in report(train_rows_only, "GROUPED CV accuracy, train-split rows only"):
        print(line)
    baseline = rules_only(examples, ruleset)
    print(
        f"\nrules + structure alone (previous classifier), same rows: "
        f"{accuracy(baseline):.1%} whole corpus, {accuracy(baseline[len(raw_dev) :]):.1%} "
        f"train-split rows, PRODUCT BUG recall {recall(baseline, 'PRODUCT BUG'):.1%}"
    )

    train_only = train(examples[len(raw_dev) :], ruleset)
    dev_preds = []
    for e in examples[: len(raw_dev)]:
        v = classify(e.message, e.stack, e.console, e.test_name, model=train_only)
        dev_preds.append(Prediction(e.label, v.classification, v.confidence))
    shipped = [
        classify(e.message, e.stack, e.console, e.test_name).classification == e.label
        for e in examples[: len(raw_dev)]
    ]
    print(
        f"dev split, model trained on the train split only: {accuracy(dev_preds):.1%}; "
        f"shipped model (in-sample, trained on dev too): {sum(shipped) / len(shipped):.1%}"
    )

    before, after, n = override_replay(rows, groups, knowledge)
    print(
        f"\nhuman overrides replayed from held-back folds ({n} failures of projects with "
        f"2+ failures, their other half corrected): {before:.1%} without, {after:.1%} with"
    )

    if "--misses" in argv:
        print("\nmisses (grouped CV):")
        for e, p in zip(examples, predictions, strict=True):
            if not p.right:
                head = e.message[:80]
                print(f"  {e.group}: {p.label} -> {p.predicted} ({p.confidence:.2f}) {head!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
