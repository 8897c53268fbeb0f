"""Shared by the tracker and webhook tests: a running tracker worker, a completed job.

Import the fixtures into a test module (`from tests.services.tracker.fixtures import
tracker_worker`) to use them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.worker import Worker

from services.tracker.worker import worker_options
from tests.conftest import RunWorker
from verdict.settings import Settings

FAILURES = {
    "failures": [
        {
            "test_name": "tests.api.test_login.test_admin_login",
            "error_message": "AssertionError: expected 200 got 500",
        },
        {
            "test_name": "tests.api.test_login.test_user_login",
            "error_message": "AssertionError: expected 200 got 500",
        },
        {
            "test_name": "tests.api.test_db.test_query",
            "error_message": "requests.exceptions.ConnectionError: Connection refused",
        },
    ]
}


@pytest.fixture
async def tracker_worker(settings: Settings, pg: Any, redis: Any) -> AsyncIterator[Worker]:
    """The real tracker worker, consuming its queue for the whole test."""
    options = {
        **worker_options(settings),
        "burst": False,
        "poll_delay": 0.02,
        "handle_signals": False,
    }
    worker = Worker(**options)
    task = asyncio.create_task(worker.async_run())
    yield worker
    # Let a delivery still recording its outcome finish: close() cancels in-flight jobs,
    # and a job cancelled in arq's finish step fails the teardown and is retried later.
    worker.allow_pick_jobs = False
    in_flight = [t for t in worker.tasks.values() if not t.done()]
    if in_flight:
        await asyncio.wait(in_flight, timeout=10)
    await worker.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def completed_job(
    client: Any, run_analyzer: RunWorker, body: dict[str, Any] | None = None
) -> str:
    response = await client.post("/analyze-failures?wait=false", json=body or FAILURES)
    assert response.status == 202, await response.text()
    job_id: str = (await response.json())["job_id"]
    await run_analyzer()
    return job_id
