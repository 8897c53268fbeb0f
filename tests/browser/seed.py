"""Realistic data for the screenshots and the report benchmark, written the way Verdict
writes it: direct analyses run through the real pipeline (builtin classifier), a
Jenkins-style job with child jobs through the analyzer's own repositories."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import asyncpg

from tests.services.gateway.history_support import Fail, create_job
from verdict.analysis.direct import run_direct_analysis
from verdict.analysis.engine import TriageEngine
from verdict.analysis.inputs import JSON_FAILURES, encode_failures
from verdict.contracts.requests import TestFailure
from verdict.settings import Settings
from verdict.storage import jobs as jobs_repo
from verdict.storage import reuse as reuse_repo
from verdict.triage.providers import AiLimiter

SHOWCASE = [
    (
        "tests.api.test_orders.test_create_order",
        "requests.exceptions.ConnectionError: "
        "HTTPConnectionPool(host='orders.svc', port=8080): Max retries exceeded "
        "(Caused by NewConnectionError: [Errno 111] Connection refused)",
    ),
    (
        "tests.api.test_orders.test_cancel_order",
        "requests.exceptions.ConnectionError: "
        "HTTPConnectionPool(host='orders.svc', port=8080): Max retries exceeded "
        "(Caused by NewConnectionError: [Errno 111] Connection refused)",
    ),
    (
        "tests.api.test_payments.test_refund",
        "AssertionError: expected status 200 but got 500 from /api/payments/refund",
    ),
    (
        "tests.api.test_payments.test_capture",
        "AssertionError: expected status 200 but got 500 from /api/payments/capture",
    ),
    (
        "tests.ui.test_checkout.test_pay_button",
        "selenium.common.exceptions."
        "NoSuchElementException: Message: no such element: Unable to locate element: "
        '{"method":"css selector","selector":"#pay-now"}',
    ),
    (
        "tests.unit.test_cart.test_total",
        "AttributeError: 'NoneType' object has no attribute 'price'",
    ),
    (
        "tests.integration.test_db.test_migrations",
        "psycopg2.OperationalError: could not "
        "connect to server: Connection timed out. Is the server running on host "
        '"db-7.ci.internal" and accepting TCP/IP connections on port 5432?',
    ),
    (
        "tests.unit.test_parser.test_<script>alert('xss')</script>",
        "ValueError: invalid literal for int() with base 10: '<b>12a</b>'",
    ),
]


async def analysed(
    pool: asyncpg.Pool, settings: Settings, failures: list[TestFailure], **job: Any
) -> uuid.UUID:
    """A direct-failure job analysed by the real pipeline, as the analyzer would."""
    new = jobs_repo.NewJob(
        "failures",
        {"ai_provider": "builtin"},
        JSON_FAILURES,
        encode_failures(failures),
        ai_provider="builtin",
        **job,
    )
    async with pool.acquire() as conn:
        job_id = await jobs_repo.create_job(conn, new)
    async with aiohttp.ClientSession() as http:
        engine = TriageEngine(pool, settings, http, AiLimiter(settings.max_concurrent_ai_calls))
        outcome = await run_direct_analysis(engine, job_id)
    assert outcome.startswith("completed"), outcome
    return job_id


async def showcase(pool: asyncpg.Pool, settings: Settings) -> dict[str, uuid.UUID]:
    """A small, varied history: builds of one job, a pipeline with child jobs, a failed
    analysis, one still running, comments, reviews, an override and AI usage."""
    ids: dict[str, uuid.UUID] = {}
    for build in (1201, 1202, 1203):
        chosen = SHOWCASE if build == 1203 else SHOWCASE[: 4 + build % 3]
        ids[f"nightly-{build}"] = await analysed(
            pool,
            settings,
            [TestFailure(test_name=t, error_message=m) for t, m in chosen],
            job_name="payments/nightly",
            build_number=build,
        )
    ids["pipeline"] = await create_job(
        pool,
        failures=[
            Fail("e2e.test_login", "TimeoutError: page did not load in 30s", "INFRASTRUCTURE"),
            Fail("e2e.test_signup", "TimeoutError: page did not load in 30s", "INFRASTRUCTURE"),
            Fail(
                "component.test_checkout",
                "AssertionError: total 0.00 != 12.50",
                "PRODUCT BUG",
                child_job_name="release/component-tests",
                child_build_number=88,
            ),
            Fail(
                "component.test_coupon",
                "KeyError: 'discount'",
                "CODE ISSUE",
                child_job_name="release/component-tests",
                child_build_number=88,
            ),
        ],
        job_name="release/pipeline",
        build_number=88,
    )
    ids["failed"] = await create_job(pool, status="failed", job_name="legacy/suite", build_number=9)
    ids["running"] = await create_job(
        pool, status="running", job_name="payments/nightly", build_number=1204
    )
    async with pool.acquire() as conn:
        rows = [
            ("openai", "gpt-4o-mini", "analysis", 1200, 300, 0.0011 * (1 + i % 3), i % 4 == 0)
            for i in range(46)
        ]
        await reuse_repo.record_usage(conn, ids["nightly-1203"], rows)
        # Spread over the last week, so the usage chart has days to show.
        await conn.execute(
            "update ai_usage set created_at = now() - make_interval(days => (id % 7)::int)"
        )
    return ids
