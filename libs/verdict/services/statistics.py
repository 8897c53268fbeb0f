"""A job name's statistics (/history/stats/{job_name}): builds, failure rates, the most
common failures, totals, flaky tests and the recent trend.

Kept per (name, excluded job, window) with the version they were read at
(history_job_versions, raised in the transaction of every write they read); each request
asks Postgres for the current version and the trend counts (which move with the clock) in
one cheap query, and recomputes on any change.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from verdict.contracts.json_text import Raw
from verdict.history.flakiness import is_flaky
from verdict.history.trend import WINDOW_DAYS, failure_rate, recent_trend
from verdict.services.caches import HeldStats
from verdict.services.deps import Deps
from verdict.storage import statistics as repo

MOST_COMMON = 10


async def job_stats(
    deps: Deps, job_name: str, *, exclude: uuid.UUID | None, window: int
) -> dict[str, Any]:
    kept = deps.caches.stats
    key = (job_name, exclude, window)
    held = kept.get(key)
    async with deps.pool.acquire() as conn:
        if held is not None:
            now = await repo.job_stats_version(conn, job_name, exclude, trend_days=WINDOW_DAYS)
            if now["version"] == held.version:
                return _answer(job_name, held.payload, now["recent"], now["previous"])
        row = await repo.job_stats(
            conn,
            job_name,
            exclude,
            window=window,
            flaky=MOST_COMMON,
            trend_days=WINDOW_DAYS,
            most_common=MOST_COMMON,
        )
    payload = _payload(job_name, row)
    kept.put(key, HeldStats(row["version"], payload))
    return _answer(job_name, payload, row["recent"], row["previous"])


def _payload(job_name: str, row: Any) -> dict[str, Any] | None:
    """The answer but its trend, which moves with the clock; None: no builds."""
    total = row["total_builds"]
    if total == 0:
        return None
    return {
        "job_name": job_name,
        "total_builds_analyzed": total,
        "builds_with_failures": row["builds_with_failures"],
        "overall_failure_rate": failure_rate(row["builds_with_failures"], total),
        "most_common_failures": Raw(row["most_common"]),
        "recent_trend": None,
        "test_totals": {
            "builds": row["builds"],
            "run": row["total"],
            "passed": row["passed"],
            "failed": row["failed"],
            "skipped": row["skipped"],
            "failure_rate": failure_rate(row["failed"], row["total"]),
        },
        "flaky_tests": Raw(json.dumps([_flaky_row(r) for r in json.loads(row["flaky"])])),
    }


def _answer(
    job_name: str, payload: dict[str, Any] | None, recent: int, previous: int
) -> dict[str, Any]:
    if payload is None:
        return _no_builds(job_name)
    return {**payload, "recent_trend": recent_trend(recent, previous)}


def _flaky_row(row: Any) -> dict[str, Any]:
    return {
        "test_name": row["test_name"],
        "window_builds": row["builds"],
        "failed_builds": row["failed_builds"],
        "flips": row["flips"],
        "flip_rate": row["flip_rate"],
        "retry_passes": row["retry_passes"],
        "pass_on_retry_rate": row["pass_on_retry_rate"],
        "flaky": is_flaky(
            row["builds"], row["flip_rate"], row["retry_passes"], row["pass_on_retry_rate"]
        ),
    }


def _no_builds(job_name: str) -> dict[str, Any]:
    return {
        "job_name": job_name,
        "total_builds_analyzed": 0,
        "builds_with_failures": 0,
        "overall_failure_rate": 0.0,
        "most_common_failures": [],
        "recent_trend": "stable",
        "test_totals": {
            "builds": 0,
            "run": 0,
            "passed": 0,
            "failed": 0,
            "skipped": 0,
            "failure_rate": 0.0,
        },
        "flaky_tests": [],
    }
