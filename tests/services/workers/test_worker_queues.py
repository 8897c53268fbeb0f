"""Each worker consumes its own queue, so each scales on its own."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from arq.worker import Worker

from services.analyzer.worker import worker_options as analyzer_options
from services.jira_enricher.worker import worker_options as jira_options
from services.tracker.worker import worker_options as tracker_options
from verdict.heartbeat import local_heartbeat_age, queue_workers
from verdict.queue import JIRA_PING, TRACKER_PING


@pytest.mark.parametrize(
    ("options", "function", "queue", "answer"),
    [
        (jira_options, JIRA_PING, "jira", "jira_enricher:hi"),
        (tracker_options, TRACKER_PING, "tracker", "tracker:hi"),
    ],
)
async def test_worker_answers_on_its_own_queue(
    settings, pg, redis, options, function, queue, answer
):
    job = await redis.enqueue_job(function, "hi", _queue_name=settings.queue_name(queue))
    assert job is not None
    worker = Worker(
        **{**options(settings), "burst": True, "poll_delay": 0.05, "handle_signals": False}
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    assert await job.result(timeout=5) == answer


@pytest.mark.parametrize(
    ("options", "queue"),
    [(analyzer_options, "analyze"), (jira_options, "jira"), (tracker_options, "tracker")],
)
async def test_a_running_worker_beats_and_a_stopped_one_leaves(settings, pg, redis, options, queue):
    settings.heartbeat_interval_s = 0.1
    worker = Worker(**{**options(settings), "poll_delay": 0.05, "handle_signals": False})
    running = asyncio.create_task(worker.async_run())
    try:
        for _ in range(100):
            if (await queue_workers(redis, settings, queue)).fresh:
                break
            await asyncio.sleep(0.05)
        assert (await queue_workers(redis, settings, queue)).fresh == 1
        assert local_heartbeat_age(settings, queue) is not None
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await worker.close()
    assert (await queue_workers(redis, settings, queue)).fresh == 0
