"""/health, /api/health (each dependency on its own) and /api/capabilities."""

from __future__ import annotations

import socket

from aiohttp.test_utils import TestClient, TestServer

from services.gateway.app import create_app


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
    }
