"""One huge request (a 1,000,000-element `failures` array, ~80 MB) beside small work.

Measured, bounded in time: the huge POST's answer and how long it took, the slowest
`/health` while it was handled, how long a small synchronous analysis submitted just
after waited, and the peak RSS of the gateway and the analyzer. The target is a quick
413/422 and everything else unaffected.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

import aiohttp

from tests.chaos.stack import Stack, rss_mb

WINDOW_S = 90.0


@dataclass
class HugeResult:
    elements: int
    body_mb: float
    status: int = 0
    answer_s: float = 0.0
    health_max_s: float = 0.0
    small_sync_s: float | None = None
    small_status: int = 0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return (
            400 <= self.status < 500
            and self.health_max_s < 1.0
            and self.small_sync_s is not None
            and self.small_sync_s < 5.0
        )


def huge_body(elements: int) -> bytes:
    failure = {"test_name": "t.huge.test_{i}", "error_message": "AssertionError: boom {i}"}
    parts = (json.dumps({k: v.format(i=i) for k, v in failure.items()}) for i in range(elements))
    return b'{"failures": [' + ",".join(parts).encode() + b"]}"


async def run_huge(stack: Stack, elements: int = 1_000_000) -> HugeResult:
    body = huge_body(elements)
    result = HugeResult(elements, len(body) / 1e6)
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=WINDOW_S)

    async def sample_rss() -> None:
        while not stop.is_set():
            for name in ("gateway", "analyzer"):
                pid = stack.pid_of(name)
                if pid:
                    result.peak_rss_mb[name] = max(result.peak_rss_mb.get(name, 0), rss_mb(pid))
            await asyncio.sleep(0.25)

    async def probe_health(http: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                async with http.get(f"{stack.base_url}/health") as answer:
                    await answer.read()
            except (aiohttp.ClientError, TimeoutError):
                pass
            result.health_max_s = max(result.health_max_s, time.monotonic() - started)
            await asyncio.sleep(0.2)

    async def huge(http: aiohttp.ClientSession) -> None:
        started = time.monotonic()
        try:
            async with http.post(
                f"{stack.base_url}/analyze-failures?wait=false",
                data=body,
                headers={"Content-Type": "application/json"},
            ) as answer:
                await answer.read()
                result.status = answer.status
        except (aiohttp.ClientError, TimeoutError):
            result.status = 0
        result.answer_s = time.monotonic() - started

    async def small(http: aiohttp.ClientSession) -> None:
        await asyncio.sleep(1.0)  # the huge body is on its way
        started = time.monotonic()
        one = {"failures": [{"test_name": "t.small", "error_message": "Connection refused"}]}
        try:
            async with http.post(f"{stack.base_url}/analyze-failures", json=one) as answer:
                await answer.read()
                result.small_status = answer.status
                if answer.status == 200:
                    result.small_sync_s = time.monotonic() - started
        except (aiohttp.ClientError, TimeoutError):
            pass

    async with aiohttp.ClientSession(timeout=timeout) as http:
        background = [asyncio.create_task(sample_rss()), asyncio.create_task(probe_health(http))]
        await huge(http)
        await small(http)  # after the huge answer, as the analyzer picks the huge job up
        await asyncio.sleep(5)
        stop.set()
        await asyncio.gather(*background)
    return result
