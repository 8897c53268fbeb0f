"""/metrics: the gateway's HTTP numbers (route templates, status, latency) and the shared
state read at scrape time (queues, oldest job, jobs by status, workers, AI usage), as
Prometheus text; and one access-log line per request."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import time

import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from verdict.heartbeat import heartbeats_key
from verdict.logging import configure_logging
from verdict.storage.reuse import record_usage


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


async def test_queue_depth_oldest_job_and_job_counts(client, run_analyzer):
    for _ in range(2):
        await client.post("/analyze-failures?wait=false", json={"failures": [{"test_name": "t"}]})
    await asyncio.sleep(0.05)  # the oldest job has waited at least this long
    found = samples(await (await client.get("/metrics")).text())
    assert value(found, "verdict_queue_depth", queue="analyze") == 2
    assert value(found, "verdict_queue_oldest_job_age_seconds", queue="analyze") > 0.04
    assert value(found, "verdict_jobs", status="pending") == 2
    assert value(found, "verdict_redis_up") == 1 and value(found, "verdict_postgres_up") == 1

    await run_analyzer()
    found = samples(await (await client.get("/metrics")).text())
    assert value(found, "verdict_queue_depth", queue="analyze") == 0
    assert value(found, "verdict_queue_oldest_job_age_seconds", queue="analyze") == 0
    assert value(found, "verdict_jobs", status="completed") == 2


async def test_requests_by_route_template_and_status_with_latency(client):
    for job in ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"):
        assert (await client.get(f"/results/{job}")).status == 404
    await client.get("/no/such/route")
    await client.get("/health")
    found = samples(await (await client.get("/metrics")).text())
    route = {"method": "GET", "route": "/results/{job_id}"}
    assert value(found, "verdict_http_requests_total", **route, status="404") == 2
    assert value(found, "verdict_http_requests_total", method="GET", route="/health", status="200")
    assert value(
        found, "verdict_http_requests_total", method="GET", route="<unmatched>", status="404"
    )
    assert value(found, "verdict_http_request_duration_seconds_count", **route) == 2
    assert value(found, "verdict_http_request_duration_seconds_bucket", **route, le="+Inf") == 2
    # Ids never become labels: one series for every job id.
    assert not any("1111" in str(labels) for _name, labels in found)


async def test_workers_and_ai_usage_by_provider(client, settings, redis, pg):
    now = time.time()
    await redis.zadd(heartbeats_key(settings, "analyze"), {"a:1": now - 5, "a:2": now - 600})
    async with pg.acquire() as conn:
        await record_usage(
            conn,
            None,
            [
                ("openai", "gpt-x", "analysis", 100, 20, 0.01, False),
                ("openai", "gpt-x", "analysis", 50, 10, 0.005, False),
                ("openai", "gpt-x", "analysis", 0, 0, 0.0, True),
                ("anthropic", "claude-y", "analysis", 7, 3, 0.002, False),
            ],
        )
    found = samples(await (await client.get("/metrics")).text())
    assert value(found, "verdict_workers_live", queue="analyze") == 1
    assert value(found, "verdict_workers_live", queue="jira") == 0
    assert 4 < value(found, "verdict_worker_heartbeat_age_seconds", queue="analyze") < 10
    gpt = {"provider": "openai", "model": "gpt-x"}
    assert value(found, "verdict_ai_calls_total", **gpt) == 2
    assert value(found, "verdict_ai_reuse_hits_total", **gpt) == 1
    assert value(found, "verdict_ai_tokens_total", **gpt, direction="input") == 150
    assert value(found, "verdict_ai_tokens_total", **gpt, direction="output") == 30
    assert value(found, "verdict_ai_cost_usd_total", **gpt) == pytest.approx(0.015)
    assert value(found, "verdict_ai_calls_total", provider="anthropic", model="claude-y") == 1


@pytest.fixture
def json_logs(settings, monkeypatch):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    settings.env = "production"
    configure_logging(settings, service="gateway")
    yield buffer
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:], root.level = handlers, level


async def test_one_json_access_line_per_request(json_logs, client):
    answer = await client.get("/results/33333333-3333-3333-3333-333333333333")
    await client.get("/health", headers={"X-Request-ID": "probe-1"})
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line.strip()]
    access = [line for line in lines if line.get("event") == "request"]
    assert [(a["route"], a["status"]) for a in access] == [
        ("/results/{job_id}", 404),
        ("/health", 200),
    ]
    assert access[0]["request_id"] == answer.headers["X-Request-ID"]
    assert access[1]["request_id"] == "probe-1" and access[1]["method"] == "GET"
    assert all(isinstance(a["duration_ms"], float) for a in access)
