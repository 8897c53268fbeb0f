"""Each worker consumes its own queue, so each scales on its own."""

from __future__ import annotations

import pytest
from arq.worker import Worker

from services.jira_enricher.worker import worker_options as jira_options
from services.tracker.worker import worker_options as tracker_options
from verdict.queue import JIRA_PING, TRACKER_PING


@pytest.mark.parametrize(
    ("options", "function", "queue", "answer"),
    [
        (jira_options, JIRA_PING, "jira", "jira_enricher:hi"),
        (tracker_options, TRACKER_PING, "tracker", "tracker:hi"),
    ],
)
async def test_worker_answers_on_its_own_queue(settings, redis, options, function, queue, answer):
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
