"""Signature pairs: how many must-sign-same and must-sign-different pairs come out right.

Run: python tests/bench/bench_signatures.py

The table is tests/libs/triage/signature_pairs.py (Python, Java, Go, JS/TS, C/C++
ASan, Rust, .NET, Kubernetes, SQL); the tests assert every pair, this prints the
rates against the targets (≥ 98% each), the same rates for the previous signatures
(git BASELINE, same run), and the signing cost per failure.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "libs"))

from tests.bench.baseline import BASELINE, run_baseline  # noqa: E402
from tests.libs.triage.signature_pairs import DIFFERENT, SAME  # noqa: E402
from verdict.triage.signature import error_signature  # noqa: E402

SNIPPET = """
from verdict.triage.signature import error_signature
result = [error_signature(a[0], a[1]) == error_signature(b[0], b[1]) for a, b in payload]
"""


def rates(equal: list[bool]) -> tuple[float, float]:
    same = equal[: len(SAME)]
    different = equal[len(SAME) :]
    return sum(same) / len(same), sum(not e for e in different) / len(different)


def main() -> int:
    pairs = [(left, right) for _, _, left, right in SAME + DIFFERENT]
    ours = [error_signature(*a) == error_signature(*b) for a, b in pairs]
    same, different = rates(ours)
    print(f"{len(SAME)} must-sign-same, {len(DIFFERENT)} must-sign-different pairs")
    for name, value in (("same", same), ("different", different)):
        verdict = "MET" if value >= 0.98 else "MISSED"
        print(f"  must-sign-{name}: {value:.1%} right (target ≥ 98%) {verdict}")
    try:
        b_same, b_diff = rates(run_baseline(SNIPPET, pairs))
        print(f"  previous signatures ({BASELINE}): same {b_same:.1%}, different {b_diff:.1%}")
    except Exception as exc:
        print(f"  (baseline unavailable: {exc})")
    texts = [side for pair in pairs for side in pair] * 50
    started = time.perf_counter()
    for message, stack in texts:
        error_signature(message, stack)
    per = (time.perf_counter() - started) / len(texts)
    print(f"signing: {per * 1e6:.0f} µs per failure ({len(texts)} signed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
