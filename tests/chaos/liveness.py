"""Is every process alive and doing its work? Asked, not assumed from a pid.

The gateway answers `/health`; the analyzer analyses one small synchronous job; the
jira_enricher and the tracker each run a `ping` job from their own queue.
"""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
from arq.connections import RedisSettings, create_pool

from tests.chaos.stack import Stack

PING_TIMEOUT_S = 20.0


async def _gateway(stack: Stack, http: aiohttp.ClientSession) -> bool:
    try:
        async with http.get(f"{stack.base_url}/health") as answer:
            return answer.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def _analyzer(stack: Stack, http: aiohttp.ClientSession) -> bool:
    body = {"failures": [{"test_name": "chaos.liveness", "error_message": "Connection refused"}]}
    try:
        async with http.post(f"{stack.base_url}/analyze-failures", json=body) as answer:
            return answer.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def _ping(stack: Stack, function: str, queue: str) -> bool:
    try:
        redis = await asyncio.wait_for(create_pool(RedisSettings.from_dsn(stack.redis_url)), 10)
    except Exception:
        return False
    try:
        job = await redis.enqueue_job(function, uuid.uuid4().hex, _queue_name=queue)
        if job is None:
            return False
        await job.result(timeout=PING_TIMEOUT_S)
        return True
    except Exception:  # a dead queue shows up as a timeout or a connection error
        return False
    finally:
        await redis.aclose()


async def answering(stack: Stack) -> dict[str, bool]:
    """For each process: running under the supervisor and answering its own probe."""
    timeout = aiohttp.ClientTimeout(total=PING_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        probes = await asyncio.gather(
            _gateway(stack, http),
            _analyzer(stack, http),
            _ping(stack, "jira.ping", "verdict:jira"),
            _ping(stack, "tracker.ping", "verdict:tracker"),
        )
    running = stack.processes_alive()
    names = ("gateway", "analyzer", "jira-enricher", "tracker")
    return {name: running[name] and ok for name, ok in zip(names, probes, strict=True)}
