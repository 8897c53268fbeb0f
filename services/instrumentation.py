"""Worker metrics wired around a worker's arq options, in one place, by `verdict <worker>`.

`instrumented(queue, options)` returns the same options with every job function and
cron job timed by outcome (verdict.metrics.timed), a WorkerMetrics in ctx (the
heartbeat sets its gauge from it), and the metrics served on the worker's port from
start-up to shut-down. What some jobs return is counted too: the tracker's calls by op
and outcome, the reconciler's requeued jobs. arq's own start/finish lines for cron
jobs are dropped (a third of all log lines were "reconcile ran, found nothing"): a cron
job logs itself when it did something, and arq's warnings and errors still come out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from verdict.metrics import ResultHook, WorkerMetrics, serve_worker_metrics, timed
from verdict.queue import Worker
from verdict.tracker.calls import TRACKER_CALL

RECONCILE = "analyzer.reconcile"


def _tracker_call(metrics: WorkerMetrics, args: tuple[Any, ...], result: Any) -> str | None:
    outcome = "ok" if isinstance(result, dict) and result.get("ok") else "failed"
    metrics.tracker_calls.labels(str(args[0]) if args else "?", outcome).inc()
    return outcome


def _reconciled(metrics: WorkerMetrics, _args: tuple[Any, ...], result: Any) -> str | None:
    if isinstance(result, int) and result > 0:
        metrics.reconciler_requeued.inc(result)
    return None


HOOKS: dict[str, ResultHook] = {TRACKER_CALL: _tracker_call, RECONCILE: _reconciled}


class QuietCron(logging.Filter):
    """Drops arq's INFO lines about the named cron jobs ("→ name()", "← name ● 0")."""

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__()
        self.names = tuple(names)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO or not self.names:
            return True
        message = record.getMessage()
        return not any(name in message for name in self.names)


def instrumented(queue: Worker, options: dict[str, Any]) -> dict[str, Any]:
    metrics = WorkerMetrics()
    settings = options["ctx"]["settings"]
    jobs = [*options.get("functions", []), *options.get("cron_jobs", [])]
    for job in jobs:  # arq's Function and CronJob are dataclasses built for this worker
        job.coroutine = timed(metrics, queue, job.name, job.coroutine, HOOKS.get(job.name))
    startup, shutdown = options.get("on_startup"), options.get("on_shutdown")
    crons = [job.name for job in options.get("cron_jobs", [])]
    logging.getLogger("arq.worker").addFilter(QuietCron(crons))

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["stop_metrics"] = serve_worker_metrics(
            metrics, settings.host, settings.worker_metrics_port, queue
        )
        if startup is not None:
            await startup(ctx)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        try:
            if shutdown is not None:
                await shutdown(ctx)
        finally:
            ctx.pop("stop_metrics", lambda: None)()

    return {
        **options,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "ctx": {**options["ctx"], "metrics": metrics},
    }
