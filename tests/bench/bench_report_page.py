"""The report page's first screen on a big report: 5,000 failures in 300 signature groups.

The report is analysed by the real pipeline (builtin classifier) into a private database,
then served by the real gateway. Printed, measured in this run:
- the HTML page a browser gets for GET /results/{id} (server time, size), median and p95;
- the same job's JSON (the whole result document: what a client-rendered UI such as
  jenkins-job-insight's must download and parse before it can show anything), and the
  ratio;
- in headless Chromium (Debian's): navigation start to DOMContentLoaded and to first
  contentful paint, median of several loads (the target: under 1 s).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.gateway.app import create_app
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, chromium_missing
from tests.browser.seed import analysed
from verdict.contracts.requests import TestFailure
from verdict.settings import Settings
from verdict.storage.migrate import migrate
from verdict.storage.pool import (
    create_pool,
    drop_database,
    ensure_database,
    with_database,
)

FAILURES, GROUPS, REQUESTS, LOADS = 5000, 300, 30, 7
NOUNS = [
    "orders",
    "payments",
    "cart",
    "users",
    "search",
    "inventory",
    "billing",
    "auth",
    "shipping",
    "catalog",
    "reviews",
    "coupons",
    "tax",
    "refunds",
    "ledger",
]
VERBS = [
    "create",
    "update",
    "delete",
    "list",
    "render",
    "export",
    "import",
    "merge",
    "validate",
    "notify",
    "sync",
    "archive",
    "restore",
    "audit",
    "price",
    "rank",
    "score",
    "route",
    "queue",
    "retry",
]
TEMPLATES = [
    "AssertionError: {verb}_{noun} returned an unexpected payload: expected status 200 got {n}",
    "KeyError: '{noun}_{verb}' missing from response of {verb} {noun} at 0x{n:x}",
    "TimeoutError: {verb} on the {noun} service did not answer within {n} ms",
]


def failures() -> list[TestFailure]:
    causes = [(VERBS[c % len(VERBS)], NOUNS[c // len(VERBS)]) for c in range(GROUPS)]
    out = []
    for i in range(FAILURES):
        verb, noun = causes[i % GROUPS]
        message = TEMPLATES[(i % GROUPS) % len(TEMPLATES)].format(verb=verb, noun=noun, n=500 + i)
        stack = "\n".join(
            f'  File "/src/{noun}/{verb}.py", line {10 + k + i % 7}, in {verb}_{noun}_{k}'
            for k in range(5)
        )
        out.append(
            TestFailure(
                test_name=f"tests.{noun}.test_{verb}.test_case_{i}",
                error_message=message,
                stack_trace=stack,
            )
        )
    return out


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{name}: median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


async def timed_get(http: aiohttp.ClientSession, url: str, accept: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    async with http.get(url, headers={"Accept": accept, "Accept-Encoding": "identity"}) as response:
        body = await response.read()
    return time.perf_counter() - started, response.status, len(body)


async def main() -> None:
    base = Settings()
    settings = base.model_copy(
        update={
            "database_url": with_database(base.database_url, "verdict_bench_report"),
            "queue_prefix": "verdict-bench-report",
        }
    )
    await drop_database(settings.database_url)
    await ensure_database(settings.database_url)
    await migrate(settings.database_url)
    pool = await create_pool(settings.database_url)
    started = time.perf_counter()
    job_id = await analysed(pool, settings, failures(), job_name="bench/big", build_number=1)
    groups = await pool.fetchval("select count(*) from analyses where job_id = $1", job_id)
    print(
        f"seeded: {FAILURES} failures in {groups} groups "
        f"(analysed in {time.perf_counter() - started:.1f} s)"
    )
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/results/{job_id}"
    try:
        async with aiohttp.ClientSession() as http:
            for accept in ("text/html", "application/json"):  # warm both paths once
                await timed_get(http, url, accept)
            html = [await timed_get(http, url, "text/html") for _ in range(REQUESTS)]
            json_ = [await timed_get(http, url, "application/json") for _ in range(REQUESTS)]
        assert all(s == 200 for _, s, _ in html + json_)
        html_t, json_t = [t for t, _, _ in html], [t for t, _, _ in json_]
        print(
            summary(f"HTML first page ({html[0][2] / 1024:.0f} KiB, 20 of {groups} groups)", html_t)
        )
        print(summary(f"JSON whole result ({json_[0][2] / 1024:.0f} KiB)", json_t))
        print(
            f"ratio: the JSON a client-rendered UI needs first takes "
            f"{statistics.median(json_t) / statistics.median(html_t):.1f}x the page's server "
            f"time and is {json_[0][2] / html[0][2]:.1f}x its size"
        )
        await browser_first_screen(url)
    finally:
        await runner.cleanup()
        await pool.close()
        await drop_database(settings.database_url)


async def browser_first_screen(url: str) -> None:
    missing = chromium_missing()
    if missing:
        print(f"browser first screen: SKIPPED ({missing})")
        return
    from playwright.async_api import async_playwright

    dom, paint = [], []
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(LOADS):
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(url, wait_until="load")
            timing = await page.evaluate(
                """() => {
                  const nav = performance.getEntriesByType('navigation')[0];
                  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                  return [nav.domContentLoadedEventEnd, fcp ? fcp.startTime : nav.loadEventEnd];
                }"""
            )
            dom.append(timing[0] / 1000)
            paint.append(timing[1] / 1000)
            await page.close()
        await browser.close()
    print(summary("Chromium: navigation to DOMContentLoaded", dom))
    print(summary("Chromium: navigation to first contentful paint (first screen)", paint))
    print(f"first screen under 1 s: {'yes' if statistics.median(paint) < 1 else 'NO'}")


if __name__ == "__main__":
    asyncio.run(main())
