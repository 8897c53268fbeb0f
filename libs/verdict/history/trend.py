"""The `recent_trend` of `/history/stats`: failing builds this week against the week before."""

from __future__ import annotations

from typing import Literal

Trend = Literal["improving", "worsening", "stable"]

WINDOW_DAYS = 7


def recent_trend(recent_failing_builds: int, previous_failing_builds: int) -> Trend:
    """Fewer builds with failures in the last 7 days than in the 7 before: improving."""
    if recent_failing_builds < previous_failing_builds:
        return "improving"
    if recent_failing_builds > previous_failing_builds:
        return "worsening"
    return "stable"


def failure_rate(failed: int, total: int) -> float:
    """failed / total rounded to 4 places; 0.0 when nothing ran."""
    return round(failed / total, 4) if total > 0 else 0.0
