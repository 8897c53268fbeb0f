"""/health, /api/health (each dependency on its own) and /api/capabilities."""

from __future__ import annotations

import socket
import time

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.gateway.app import create_app
from verdict.heartbeat import heartbeats_key


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_health(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "healthy"}


async def test_dependencies_up(client):
    response = await client.get("/api/health")
    assert response.status == 200
    body = await response.json()
    assert body["postgres"]["status"] == "up" and body["redis"]["status"] == "up"


async def test_redis_down_is_503_and_jobs_are_still_stored(settings, pg):
    settings.redis_url = f"redis://127.0.0.1:{_closed_port()}/0"
    async with TestClient(TestServer(create_app(settings))) as client:
        response = await client.get("/api/health")
        assert response.status == 503
        body = await response.json()
        assert body["status"] == "unhealthy"
        assert body["postgres"]["status"] == "up"
        assert body["redis"]["status"] == "down"

        # Redis down loses nothing: the row is pending and the reconciler enqueues it later.
        queued = await client.post(
            "/analyze-failures?wait=false", json={"failures": [{"test_name": "t"}]}
        )
        assert queued.status == 202
        assert await pg.fetchval("select status from jobs") == "pending"


async def test_capabilities(client):
    body = await (await client.get("/api/capabilities")).json()
    assert body == {
        "github_issues_enabled": True,
        "jira_issues_enabled": False,
        "server_github_token": False,
        "server_jira_token": False,
        "server_jira_email": False,
        "server_jira_project_key": "",
        "reportportal": False,
        "reportportal_project": "",
        "run_identity": body["run_identity"],
    }
    assert "pull_request" in body["run_identity"]["fields"]


async def test_readiness_is_open_with_auth_required_and_reveals_no_secret(settings, pg, redis):
    settings.require_auth = True
    settings.admin_key = SecretStr("admin-secret-never-shown-0123456789")
    async with TestClient(TestServer(create_app(settings))) as client:
        assert (await client.get("/results")).status == 401  # the rest stays closed
        response = await client.get("/api/health")
        text = await response.text()
    assert response.status == 200
    assert "admin-secret" not in text and settings.database_url not in text


async def test_a_queue_without_a_live_worker_is_degraded_not_healthy(client, settings, redis):
    response = await client.get("/api/health")
    body = await response.json()
    assert response.status == 200 and body["status"] == "degraded"
    assert body["workers"]["analyze"] == {
        "status": "down",
        "workers": 0,
        "last_heartbeat_age_s": None,
        "stale_after_s": settings.heartbeat_stale_s,
    }

    # A worker died 90 s ago: still down, and the answer says how stale it is.
    now = time.time()
    await redis.zadd(heartbeats_key(settings, "analyze"), {"gone:1": now - 90})
    for queue in ("jira", "tracker"):
        await redis.zadd(heartbeats_key(settings, queue), {"host:2": now})
    body = await (await client.get("/api/health")).json()
    assert body["status"] == "degraded"
    assert body["workers"]["analyze"]["status"] == "down"
    assert 89 < body["workers"]["analyze"]["last_heartbeat_age_s"] < 95
    assert body["workers"]["jira"]["workers"] == 1

    await redis.zadd(heartbeats_key(settings, "analyze"), {"host:3": now})
    body = await (await client.get("/api/health")).json()
    assert body["status"] == "healthy"
    assert {q: w["status"] for q, w in body["workers"].items()} == {
        "analyze": "up",
        "jira": "up",
        "tracker": "up",
    }


def test_errors_in_the_answer_mask_url_credentials():
    from verdict.services.status import safe_error

    said = safe_error(OSError("cannot reach postgresql://verdict:hunter2@db:5432/verdict"))
    assert said == "OSError: cannot reach postgresql://***@db:5432/verdict"
