"""Rule matching: worst case on adversarial input, and the multi-pattern prefilter.

Run: python tests/bench/bench_rules_matching.py

Prints, measured in this run:
1. every shipped rule on 64 KB adversarial inputs (tests/libs/triage/adversarial.py)
   with RE2: the worst case per rule, how many exceed the 50 ms target;
2. the same inputs cut to 2 KB and 8 KB for the rules as shipped before RE2, run
   by Python's backtracking `re` (git BASELINE), to show what RE2 removed;
3. RuleSet.matches (one RE2 set pass per field, then only the rules that can
   match) against matching rule by rule, on the labelled corpus and on 64 KB logs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "libs"))

from tests.libs.triage.adversarial import SIZE, adversarial_inputs  # noqa: E402
from verdict.triage.classifier import load_corpus  # noqa: E402
from verdict.triage.rules import Rule, build_ruleset, load_builtin_rules  # noqa: E402

TARGET_MS = 50.0
BASELINE = "5f7c541"  # main before the RE2 change
BASELINE_JSON = "libs/verdict/triage/rules_data/builtin_rules.json"


def best_of(func, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def re2_worst_cases() -> list[tuple[float, str]]:
    rows = []
    for rule in load_builtin_rules():
        regex = rule.compile()
        worst = max(
            best_of(lambda t=text, rx=regex: rx.search(t))
            for text in adversarial_inputs(rule, SIZE)
        )
        rows.append((worst * 1000, rule.id))
    return sorted(rows, reverse=True)


def backtracking_before(size: int) -> list[tuple[float, str]]:
    """The pre-RE2 patterns on Python's re (each capped: the run stops at 20 s)."""
    try:
        raw = subprocess.run(
            ["git", "show", f"{BASELINE}:{BASELINE_JSON}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    rows = []
    budget = time.perf_counter() + 20
    for raw_rule in json.loads(raw)["rules"]:
        flags = re.MULTILINE | (re.IGNORECASE if raw_rule.get("ignore_case", True) else 0)
        regex = re.compile(raw_rule["pattern"], flags)
        probe = Rule.model_construct(
            id=raw_rule["id"], pattern=raw_rule["pattern"], examples=tuple(raw_rule["examples"])
        )
        worst = 0.0
        for text in adversarial_inputs(probe, size):
            worst = max(worst, best_of(lambda t=text, rx=regex: rx.search(t), repeat=1))
            if time.perf_counter() > budget:
                break
        rows.append((worst * 1000, raw_rule["id"]))
        if time.perf_counter() > budget:
            break
    return sorted(rows, reverse=True)


def prefilter_vs_one_by_one() -> None:
    ruleset = build_ruleset()
    corpus = load_corpus()
    fields = [(e.message, e.stack, e.console) for e in corpus]
    one = best_of(lambda: [ruleset.matches_one_by_one(*f) for f in fields])
    both = best_of(lambda: [ruleset.matches(*f) for f in fields])
    print(
        f"corpus ({len(fields)} failures x {len(ruleset)} rules): set prefilter "
        f"{both * 1000:.1f} ms, rule by rule {one * 1000:.1f} ms ({one / both:.1f}x)"
    )
    log = ("INFO step done in 0.2s, nothing to see here\n" * 1600)[:SIZE]
    one = best_of(lambda: ruleset.matches_one_by_one("boom", "", log))
    both = best_of(lambda: ruleset.matches("boom", "", log))
    print(
        f"one failure with a 64 KB console: set prefilter {both * 1000:.2f} ms, "
        f"rule by rule {one * 1000:.2f} ms ({one / both:.1f}x)"
    )


def main() -> int:
    worst = re2_worst_cases()
    over = [rule for ms, rule in worst if ms > TARGET_MS]
    print(f"RE2, {len(worst)} shipped rules x 64 KB adversarial inputs (best of 3 per input):")
    for ms, rule in worst[:5]:
        print(f"  {ms:7.2f} ms  {rule}")
    print(
        f"worst case {worst[0][0]:.2f} ms (target ≤ {TARGET_MS:.0f} ms): "
        f"{'MET' if not over else 'MISSED: ' + ', '.join(over)}"
    )
    for size in (2048, 8192):
        before = backtracking_before(size)
        if before:
            print(
                f"before (Python re, shipped patterns at {BASELINE}), {size // 1024} KB inputs: "
                f"worst {before[0][0]:.1f} ms ({before[0][1]}), "
                f"{sum(ms > TARGET_MS for ms, _ in before)} rules over {TARGET_MS:.0f} ms"
            )
    prefilter_vs_one_by_one()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
