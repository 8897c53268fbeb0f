"""The jira_enricher worker: consumes the jira queue (Jira search for PRODUCT BUG groups).

Its enrichment job arrives with the jira_enricher issue; today it answers `jira.ping`,
which operators and tests use to prove the worker consumes its own queue.
"""

from __future__ import annotations

from typing import Any

from arq import func

from verdict.queue import JIRA_PING, redis_settings
from verdict.settings import Settings


async def ping(ctx: dict[str, Any], token: str) -> str:
    return f"jira_enricher:{token}"


def worker_options(settings: Settings) -> dict[str, Any]:
    return {
        "functions": [func(ping, name=JIRA_PING, timeout=10)],
        "queue_name": settings.queue_name("jira"),
        "redis_settings": redis_settings(settings),
        "keep_result": 60,
        "ctx": {"settings": settings},
    }
