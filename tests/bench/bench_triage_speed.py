"""Classifying a 10,000-failure report: now against the previous classifier, same run.

Run: python tests/bench/bench_triage_speed.py

Two reports of 10,000 failures built from the labelled corpus's real texts:
- "repeats": 158 causes x ~63 run-noise variants (ids, addresses, line numbers),
  so signing is most of the work and each group is classified once;
- "distinct": 10,000 different failures (each corpus text with a distinct word),
  so every failure is a group and is classified: the classifier's worst case.
For each: signing every failure, grouping, and builtin.classify per group, timed
for this tree and for git BASELINE (the previous rules-only classifier on Python's
re) in a subprocess on the same input. Model training (once per process, at
start-up) is timed separately.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "libs"))

from tests.bench.baseline import BASELINE, run_baseline  # noqa: E402
from verdict.triage.builtin import classify  # noqa: E402
from verdict.triage.classifier import default_model  # noqa: E402
from verdict.triage.signature import error_signature  # noqa: E402

SIZE = 10_000
CORPUS = [
    json.loads(line)
    for name in ("triage-dev.jsonl", "triage-train.jsonl")
    for line in (ROOT / "tests" / "data" / "triage" / name).read_text("utf-8").splitlines()
    if line.strip()
]

SNIPPET = """
import time
from verdict.triage.builtin import classify
from verdict.triage.signature import error_signature
started = time.perf_counter()
groups = {}
for m, s, c, t in payload:
    groups.setdefault(error_signature(m, s), (m, s, c, t))
signed = time.perf_counter()
for m, s, c, t in groups.values():
    classify(m, s, c, t)
done = time.perf_counter()
result = [signed - started, done - signed, len(groups)]
"""


def report(kind: str) -> list[tuple[str, str, str, str]]:
    out = []
    for i in range(SIZE):
        row = CORPUS[i % len(CORPUS)]
        message = row["error_message"] or ""
        stack = row["stack_trace"] or ""
        if kind == "repeats":
            noise = f" (at 0x{i * 7919:x}, id {i}, line {i % 97})"
        else:
            noise = " " + "".join(chr(97 + int(d)) for d in f"{i:05d}") + "zq"
        out.append((message + noise, stack, row["console_excerpt"] or "", row["test_name"] or ""))
    return out


def ours(payload: list[tuple[str, str, str, str]]) -> list[float]:
    started = time.perf_counter()
    groups: dict[str, tuple[str, str, str, str]] = {}
    for m, s, c, t in payload:
        groups.setdefault(error_signature(m, s), (m, s, c, t))
    signed = time.perf_counter()
    for m, s, c, t in groups.values():
        classify(m, s, c, t)
    done = time.perf_counter()
    return [signed - started, done - signed, len(groups)]


def main() -> int:
    started = time.perf_counter()
    default_model()
    print(f"model training at start-up: {time.perf_counter() - started:.2f} s (once per process)")
    print(f"{'report':<10}{'groups':>8}{'sign':>9}{'classify':>10}{'total':>9}   vs {BASELINE}")
    for kind in ("repeats", "distinct"):
        payload = report(kind)
        sign, cls, groups = ours(payload)
        try:
            b_sign, b_cls, b_groups = run_baseline(SNIPPET, payload)
        except Exception as exc:
            print(f"(baseline unavailable: {exc})")
            b_sign = b_cls = b_groups = float("nan")
        total, before = sign + cls, b_sign + b_cls
        print(
            f"{kind:<10}{int(groups):>8}{sign:>8.2f}s{cls:>9.2f}s{total:>8.2f}s   "
            f"before: {int(b_groups)} groups, {b_sign:.2f}s + {b_cls:.2f}s = {before:.2f}s "
            f"-> {before / total:.2f}x {'(no slower: MET)' if total <= before else '(SLOWER)'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
