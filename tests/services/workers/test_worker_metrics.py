"""Worker metrics as `verdict <worker>` runs them (services.instrumentation): job runs
timed by function and outcome, tracker calls by op and outcome, the heartbeat, and the
whole registry served over HTTP on the worker's own port."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import urllib.request

from arq.worker import Worker
from prometheus_client.parser import text_string_to_metric_families

from services.instrumentation import QuietCron, instrumented
from services.tracker.worker import worker_options as tracker_options
from verdict.queue import TRACKER_PING
from verdict.tracker.calls import TRACKER_CALL


def _free_port_block() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return str(answer.read().decode())


def _value(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    raise AssertionError(f"{name}{labels} not in the metrics")


async def test_tracker_jobs_and_calls_are_counted_and_served(settings, pg, redis):
    settings.host = "127.0.0.1"
    settings.worker_metrics_port = _free_port_block() - 2  # the tracker serves on port + 2
    settings.heartbeat_interval_s = 0.05
    queue = settings.queue_name("tracker")
    await redis.enqueue_job(TRACKER_PING, "hi", _queue_name=queue)
    await redis.enqueue_job(TRACKER_CALL, "no_such_op", {}, {}, time.time() + 60, _queue_name=queue)
    await redis.enqueue_job(
        TRACKER_CALL, "preview_github", {}, {}, time.time() - 1, _queue_name=queue
    )

    options = instrumented("tracker", tracker_options(settings))
    worker = Worker(**{**options, "burst": True, "poll_delay": 0.05, "handle_signals": False})
    try:
        await worker.main()
        url = f"http://127.0.0.1:{settings.worker_metrics_port + 2}/metrics"
        served = await asyncio.to_thread(_get, url)
    finally:
        await worker.close()

    assert _value(served, "verdict_jobs_run_total", queue="tracker", function=TRACKER_PING,
                  outcome="ok") == 1  # fmt: skip
    assert _value(served, "verdict_jobs_run_total", queue="tracker", function=TRACKER_CALL,
                  outcome="failed") == 2  # fmt: skip
    assert _value(served, "verdict_tracker_calls_total", op="no_such_op", outcome="failed") == 1
    assert _value(served, "verdict_tracker_calls_total", op="preview_github", outcome="failed") == 1
    assert _value(served, "verdict_job_duration_seconds_count", queue="tracker",
                  function=TRACKER_PING, outcome="ok") == 1  # fmt: skip
    assert _value(served, "verdict_worker_heartbeat_timestamp_seconds") > time.time() - 60
    # Shut down with the worker: nothing listens on its port any more.
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", settings.worker_metrics_port + 2)) != 0


def test_arq_lines_about_cron_jobs_are_dropped_the_rest_kept():
    quiet = QuietCron(["analyzer.reconcile"])

    def record(level: int, message: str) -> logging.LogRecord:
        return logging.LogRecord("arq.worker", level, __file__, 1, message, None, None)

    assert not quiet.filter(record(logging.INFO, "  0.47s → analyzer.reconcile()"))
    assert not quiet.filter(record(logging.INFO, "  0.03s ← analyzer.reconcile ● 0"))
    assert quiet.filter(record(logging.INFO, "  0.03s → 1f2e:analyzer.analyze_failures('1f2e')"))
    assert quiet.filter(record(logging.ERROR, "  0.03s ! analyzer.reconcile failed"))
