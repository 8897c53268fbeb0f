"""The tracker worker: consumes the tracker queue (GitHub, Jira, Report Portal, webhooks).

Its jobs arrive with the tracker issue; today it answers `tracker.ping`, which
operators and tests use to prove the worker consumes its own queue.
"""

from __future__ import annotations

from typing import Any

from arq import func

from verdict.queue import TRACKER_PING, redis_settings
from verdict.settings import Settings


async def ping(ctx: dict[str, Any], token: str) -> str:
    return f"tracker:{token}"


def worker_options(settings: Settings) -> dict[str, Any]:
    return {
        "functions": [func(ping, name=TRACKER_PING, timeout=10)],
        "queue_name": settings.queue_name("tracker"),
        "redis_settings": redis_settings(settings),
        "keep_result": 60,
        "ctx": {"settings": settings},
    }
