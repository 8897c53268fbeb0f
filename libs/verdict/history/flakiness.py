"""Flakiness of one test over the last N builds of one job (formulas in README.md).

A build's outcome for a test is `fail` when the build recorded a failure of it,
`pass` otherwise (the build ran its suite: it has totals in `test_runs`), and a
build where the test failed and then passed on a rerun counts as `pass` with one
retry-pass (`test_outcomes.outcome = 'flaky'`).

- flip rate = outcome changes between consecutive builds / (N - 1)   (0 when N < 2)
- pass-on-retry rate = retry-passes / (retry-passes + failed builds)  (0 when both 0)
- flaky when pass-on-retry rate >= 0.1 (with at least one retry-pass), or flip rate
  >= 0.3 over at least 5 builds.

The storage module ranks many tests with the same formulas in SQL; these functions
are the reference the tests hold that SQL to.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

FLIP_RATE_FLAKY = 0.3
FLIP_MIN_BUILDS = 5
RETRY_RATE_FLAKY = 0.1


@dataclass(frozen=True)
class Flakiness:
    builds: int
    failed_builds: int
    flips: int
    flip_rate: float
    retry_passes: int
    pass_on_retry_rate: float
    flaky: bool

    def as_json(self) -> dict[str, object]:
        return {
            "window_builds": self.builds,
            "failed_builds": self.failed_builds,
            "flips": self.flips,
            "flip_rate": self.flip_rate,
            "retry_passes": self.retry_passes,
            "pass_on_retry_rate": self.pass_on_retry_rate,
            "flaky": self.flaky,
        }


def count_flips(builds: int, failed_positions: Collection[int]) -> int:
    """Outcome changes along builds 0..builds-1, where `failed_positions` failed."""
    failed = {p for p in failed_positions if 0 <= p < builds}
    return sum(1 for i in range(1, builds) if (i in failed) != (i - 1 in failed))


def flakiness(builds: int, failed_positions: Collection[int], retry_passes: int) -> Flakiness:
    """Flakiness over a window of `builds` builds (positions 0 = newest)."""
    failed = {p for p in failed_positions if 0 <= p < builds}
    flips = count_flips(builds, failed)
    flip_rate = round(flips / (builds - 1), 4) if builds >= 2 else 0.0
    attempts = retry_passes + len(failed)
    retry_rate = round(retry_passes / attempts, 4) if attempts else 0.0
    flaky = is_flaky(builds, flip_rate, retry_passes, retry_rate)
    return Flakiness(builds, len(failed), flips, flip_rate, retry_passes, retry_rate, flaky)


def is_flaky(builds: int, flip_rate: float, retry_passes: int, pass_on_retry_rate: float) -> bool:
    """Passed on a rerun often enough, or flipped often enough over enough builds."""
    return (retry_passes > 0 and pass_on_retry_rate >= RETRY_RATE_FLAKY) or (
        builds >= FLIP_MIN_BUILDS and flip_rate >= FLIP_RATE_FLAKY
    )
