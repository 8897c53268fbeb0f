"""Adversarial 64 KB inputs for a rule: what makes backtracking engines explode.

Repeated near-misses of the rule's own examples, runs of the characters its
pattern names, whitespace and digit floods, with and without newlines. Shared by
test_rules_fuzz.py (a complexity check) and bench_rules_matching.py (the figures).
"""

from __future__ import annotations

import random
import re

from verdict.triage.rules import Rule

SIZE = 64 * 1024


def _fill(unit: str, size: int) -> str:
    unit = unit or "x"
    return (unit * (size // len(unit) + 1))[:size]


def adversarial_inputs(rule: Rule, size: int = SIZE) -> list[str]:
    literals = "".join(dict.fromkeys(re.sub(r"\\.|[^A-Za-z0-9 _:/.-]", "", rule.pattern)))
    rng = random.Random(rule.id)  # deterministic per rule
    inputs = [
        _fill(" ", size),
        _fill("a", size),
        _fill("1", size),
        _fill(" \t\n", size),
        _fill(literals or "ab", size),
        "".join(rng.choice(literals or "ab") for _ in range(size)),
    ]
    for example in rule.examples[:3]:
        inputs.append(_fill(example[:-1], size))  # near-miss, one line
        inputs.append(_fill(example[: len(example) // 2] + "\n", size))  # half, many lines
        inputs.append(_fill(example.replace(" ", "  "), size))
    return inputs
