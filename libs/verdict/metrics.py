"""Prometheus metrics (prometheus-client), and how each process exports them.

Verdict runs as several processes, usually in separate pods, so where a number lives
decides how it is exported:

- **In-process** numbers (what this process did): each process has its own registry.
  The gateway's (`HttpMetrics`: requests by route template and status, latency) is
  served on its `/metrics`; each worker's (`WorkerMetrics`: job durations by function
  and outcome, tracker calls by op, reconciler requeues, its heartbeat) on its own port
  (`VERDICT_WORKER_METRICS_PORT`). Prometheus scrapes every replica and sums; a restart
  resets a counter, which `rate()` handles. prometheus-client's multiprocess mode is not
  used: it shares through a local directory, so it cannot join processes in different
  pods, and the gateway is one process per pod.
- **Shared state** (queues, jobs, heartbeats, AI usage): read from Redis and Postgres
  when the gateway is scraped (`cluster_metrics`), so the numbers are the same whichever
  gateway replica answers, cover every worker, and survive worker restarts (AI calls,
  tokens, cost and reuse hits are sums over the `ai_usage` rows, the source of truth).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

# Request latencies: the targets are tens of milliseconds; sync analyses take seconds.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600)
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


@dataclass
class HttpMetrics:
    """The gateway's own numbers, one registry per app (tests build many apps)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "verdict_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "verdict_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


@dataclass
class WorkerMetrics:
    """One worker process's numbers, served on its own metrics port."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.jobs = Counter(
            "verdict_jobs_run", "Job runs, by queue, function and outcome.",
            ["queue", "function", "outcome"], registry=r,
        )  # fmt: skip
        self.job_duration = Histogram(
            "verdict_job_duration_seconds", "One job run's duration, by queue, function, outcome.",
            ["queue", "function", "outcome"], buckets=JOB_BUCKETS, registry=r,
        )  # fmt: skip
        self.tracker_calls = Counter(
            "verdict_tracker_calls", "Tracker calls (GitHub, Jira, Report Portal) by op, outcome.",
            ["op", "outcome"], registry=r,
        )  # fmt: skip
        self.reconciler_requeued = Counter(
            "verdict_reconciler_requeued", "Jobs the reconciler put back on a queue.", registry=r
        )
        self.heartbeat = Gauge(
            "verdict_worker_heartbeat_timestamp_seconds",
            "Unix time of this worker's last heartbeat.", registry=r,
        )  # fmt: skip

    def text(self) -> bytes:
        return generate_latest(self.registry)


JobFunction = Callable[..., Awaitable[Any]]
ResultHook = Callable[[WorkerMetrics, tuple[Any, ...], Any], str | None]


def job_outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    name = exc.__class__.__name__
    return {"Retry": "retry", "CancelledError": "cancelled", "TimeoutError": "timeout"}.get(
        name, "error"
    )


def timed(
    metrics: WorkerMetrics,
    queue: str,
    name: str,
    coroutine: JobFunction,
    on_result: ResultHook | None = None,
) -> JobFunction:
    """The job function, counted and timed by outcome. `on_result` may count more from
    what the job returned, and name the outcome ("failed" for a call that reported one)."""

    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        failure: BaseException | None = None
        outcome: str | None = None
        try:
            result = await coroutine(ctx, *args, **kwargs)
            if on_result is not None:
                outcome = on_result(metrics, args, result)
            return result
        except BaseException as exc:
            failure = exc
            raise
        finally:
            outcome = outcome or job_outcome(failure)
            metrics.jobs.labels(queue, name, outcome).inc()
            metrics.job_duration.labels(queue, name, outcome).observe(time.monotonic() - started)

    run.__name__ = getattr(coroutine, "__name__", name)
    run.__qualname__ = getattr(coroutine, "__qualname__", name)
    return run


@dataclass
class ClusterState:
    """What the gateway reads from Redis and Postgres at scrape time."""

    redis_up: bool = True
    postgres_up: bool = True
    queue_depth: dict[str, int] = field(default_factory=dict)
    oldest_age_s: dict[str, float] = field(default_factory=dict)
    jobs: dict[str, int] = field(default_factory=dict)
    live_workers: dict[str, int] = field(default_factory=dict)
    heartbeat_age_s: dict[str, float] = field(default_factory=dict)
    ai_usage: list[dict[str, Any]] = field(default_factory=list)


class _AiUsage(Collector):
    """Sums over ai_usage as counters: they only grow while rows are kept."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def collect(self) -> Iterable[CounterMetricFamily]:
        labels = ["provider", "model"]
        calls = CounterMetricFamily("verdict_ai_calls", "AI calls made.", labels=labels)
        reuse = CounterMetricFamily(
            "verdict_ai_reuse_hits", "AI calls avoided by reusing history.", labels=labels
        )
        tokens = CounterMetricFamily(
            "verdict_ai_tokens", "AI tokens.", labels=[*labels, "direction"]
        )
        cost = CounterMetricFamily("verdict_ai_cost_usd", "AI cost in USD.", labels=labels)
        for row in self.rows:
            key = [row["provider"], row["model"]]
            calls.add_metric(key, row["calls"])
            reuse.add_metric(key, row["reused"])
            tokens.add_metric([*key, "input"], row["input_tokens"])
            tokens.add_metric([*key, "output"], row["output_tokens"])
            cost.add_metric(key, float(row["cost_usd"]))
        yield from (calls, reuse, tokens, cost)


def cluster_metrics(state: ClusterState, statuses: Iterable[str]) -> bytes:
    """Prometheus text for the shared state; a fresh registry per scrape."""
    r = CollectorRegistry()
    depth = Gauge(
        "verdict_queue_depth", "Jobs waiting in each worker queue.", ["queue"], registry=r
    )
    oldest = Gauge(
        "verdict_queue_oldest_job_age_seconds",
        "How long the oldest job due in each queue has waited (0: none due).",
        ["queue"], registry=r,
    )  # fmt: skip
    jobs = Gauge("verdict_jobs", "Analysis jobs by status.", ["status"], registry=r)
    live = Gauge(
        "verdict_workers_live",
        "Workers whose heartbeat is fresh, per queue.",
        ["queue"],
        registry=r,
    )
    age = Gauge(
        "verdict_worker_heartbeat_age_seconds",
        "Age of the freshest worker heartbeat per queue.", ["queue"], registry=r,
    )  # fmt: skip
    up = Gauge("verdict_redis_up", "Whether Redis answered.", registry=r)
    pg_up = Gauge("verdict_postgres_up", "Whether Postgres answered.", registry=r)
    for queue, n in state.queue_depth.items():
        depth.labels(queue).set(n)
    for queue, seconds in state.oldest_age_s.items():
        oldest.labels(queue).set(seconds)
    if state.postgres_up:
        for status in statuses:
            jobs.labels(status).set(state.jobs.get(status, 0))
    for queue, n in state.live_workers.items():
        live.labels(queue).set(n)
    for queue, seconds in state.heartbeat_age_s.items():
        age.labels(queue).set(seconds)
    up.set(1 if state.redis_up else 0)
    pg_up.set(1 if state.postgres_up else 0)
    r.register(_AiUsage(state.ai_usage))
    return generate_latest(r)


# Which port each worker serves on: VERDICT_WORKER_METRICS_PORT plus its offset, so the
# three workers of one `verdict dev` do not collide.
WORKER_PORT_OFFSET = {"analyze": 0, "jira": 1, "tracker": 2}


def serve_worker_metrics(
    metrics: WorkerMetrics, host: str, base_port: int, queue: str
) -> Callable[[], None]:
    """Serve `metrics` over HTTP from a thread (it answers even while a CPU-heavy job
    holds the event loop); returns the function that stops it. Port 0: nothing."""
    if not base_port:
        return lambda: None
    from prometheus_client import start_http_server

    server, thread = start_http_server(
        base_port + WORKER_PORT_OFFSET[queue], addr=host, registry=metrics.registry
    )

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop
