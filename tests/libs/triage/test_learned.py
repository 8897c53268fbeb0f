"""The learned component: deterministic, serialisable, calibrated, and teachable."""

from __future__ import annotations

from verdict.triage.builtin import classify, default_ruleset
from verdict.triage.calibration import Calibration, fit_calibration
from verdict.triage.classifier import default_model, load_corpus, train
from verdict.triage.learned import Example, LinearModel, document


def test_training_is_deterministic_and_round_trips_through_json() -> None:
    corpus = load_corpus()[:60]
    first = train(corpus, default_ruleset(), calibrate=False)
    second = train(corpus, default_ruleset(), calibrate=False)
    assert first.coef == second.coef and first.intercept == second.intercept
    again = LinearModel.from_json(first.to_json())
    words = document("ConnectionRefusedError: connection refused", "", "", "")
    assert again.proba(words, {}) == first.proba(words, {})


def test_calibration_is_monotone_and_bounded() -> None:
    scores = [i / 100 for i in range(34, 100)]
    correct = [i % 3 != 0 or i > 80 for i in range(34, 100)]
    cal = fit_calibration(scores, correct)
    mapped = [cal(s) for s in scores]
    assert mapped == sorted(mapped)
    assert all(0.0 <= m <= 1.0 for m in mapped)
    assert Calibration()(0.42) == 0.42  # identity when there was too little data


def test_shipped_model_trains_on_the_packaged_corpus() -> None:
    model = default_model()
    assert model.trained_on >= len(load_corpus())
    assert model.calibration.xs  # calibrated on out-of-fold predictions


def test_a_taught_example_moves_similar_not_only_identical_failures() -> None:
    # A team's system answers "ledger drift" errors: their own product's bug. Three
    # corrected failures teach the model; a new, differently-worded one follows.
    taught = [
        Example(
            f"LedgerDriftError: balance drift of {n} cents in shard {s}",
            "",
            "",
            "",
            "PRODUCT BUG",
            "team",
            3.0,
        )
        for n, s in ((3, "eu"), (17, "us"), (5, "ap"))
    ]
    corpus = load_corpus()
    message = "LedgerDriftError: drift detected after replay in shard west"
    before = classify(message, model=train(corpus, default_ruleset()))
    after = classify(message, model=train([*corpus, *taught], default_ruleset()))
    assert after.classification == "PRODUCT BUG"
    assert after.raw_score > (before.raw_score if before.classification == "PRODUCT BUG" else 0)
