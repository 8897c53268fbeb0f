"""Accuracy of the builtin classifier on the labelled dev corpus.

Run: python tests/bench/bench_triage_accuracy.py [path/to/corpus.jsonl] [--misses]
Prints overall and per-difficulty accuracy, precision/recall per class and the
confusion matrix (rows: label, columns: prediction).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "libs"))

from verdict.triage.builtin import CLASSIFICATIONS, classify  # noqa: E402

DEFAULT_CORPUS = ROOT / "tests" / "data" / "triage" / "triage-dev.jsonl"
TARGET = 0.85


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    corpus = Path(args[0]) if args else DEFAULT_CORPUS
    rows = [json.loads(line) for line in corpus.read_text("utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    predictions = [
        classify(
            r.get("error_message") or "",
            r.get("stack_trace") or "",
            r.get("console_excerpt") or "",
            r.get("test_name") or "",
        )
        for r in rows
    ]
    elapsed = time.perf_counter() - started
    pairs = [(r["label"], v.classification) for r, v in zip(rows, predictions, strict=True)]
    confusion = Counter(pairs)
    correct = sum(1 for label, pred in pairs if label == pred)
    accuracy = correct / len(rows)

    print(f"corpus: {corpus} ({len(rows)} failures, classified in {elapsed * 1000:.0f} ms)")
    print(f"overall accuracy: {accuracy:.1%} ({correct}/{len(rows)}), target {TARGET:.0%}")
    by_difficulty: dict[str, list[bool]] = {}
    for r, (label, pred) in zip(rows, pairs, strict=True):
        by_difficulty.setdefault(r.get("difficulty", "?"), []).append(label == pred)
    for name, hits in sorted(by_difficulty.items()):
        print(f"  {name:<8} {sum(hits) / len(hits):.1%} ({sum(hits)}/{len(hits)})")

    print(f"\n{'class':<16}{'precision':>10}{'recall':>9}{'f1':>7}{'support':>9}")
    for cls in CLASSIFICATIONS:
        tp = confusion[(cls, cls)]
        predicted = sum(n for (_, p), n in confusion.items() if p == cls)
        actual = sum(n for (label, _), n in confusion.items() if label == cls)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{cls:<16}{precision:>10.1%}{recall:>9.1%}{f1:>7.2f}{actual:>9}")

    print("\nconfusion (rows = label, columns = prediction)")
    print(" " * 16 + "".join(f"{c:>16}" for c in CLASSIFICATIONS))
    for label in CLASSIFICATIONS:
        print(f"{label:<16}" + "".join(f"{confusion[(label, p)]:>16}" for p in CLASSIFICATIONS))

    if "--misses" in argv:
        print("\nmisses:")
        for i, (r, v) in enumerate(zip(rows, predictions, strict=True)):
            if r["label"] != v.classification:
                print(
                    f"  #{i} {r['label']} -> {v.classification} via {v.rule_id}: {v.evidence[:90]}"
                )
    return 0 if accuracy >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
