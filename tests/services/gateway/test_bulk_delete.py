"""DELETE /api/results/bulk, as jenkins-job-insight's CLI calls it."""

from __future__ import annotations

import uuid

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.gateway.app import create_app

KEY = "bulk-admin-key-0123456789abcdef0"
ADMIN = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
async def admin_client(settings, pg, redis):
    settings.admin_key = SecretStr(KEY)
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_bulk_delete(admin_client, pg, run_analyzer):
    ids = []
    for _ in range(2):
        queued = await admin_client.post(
            "/analyze-failures?wait=false", json={"failures": [{"test_name": "t"}]}
        )
        ids.append((await queued.json())["job_id"])
    await run_analyzer()
    missing = str(uuid.uuid4())
    body = {"job_ids": [*ids, ids[0], missing, "not-a-uuid"]}

    refused = await admin_client.delete("/api/results/bulk", json=body)
    assert refused.status == 403
    assert await pg.fetchval("select count(*) from jobs") == 2

    response = await admin_client.delete("/api/results/bulk", json=body, headers=ADMIN)
    assert response.status == 200, await response.text()
    result = await response.json()
    assert result["deleted"] == ids
    assert [f["job_id"] for f in result["failed"]] == [missing, "not-a-uuid"]
    assert result["total"] == 4
    assert await pg.fetchval("select count(*) from jobs") == 0
    assert await pg.fetchval("select count(*) from failures") == 0
