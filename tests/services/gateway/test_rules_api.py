"""Team rules: /api/rules CRUD (writes admin-only), the tester, and their effect on analysis."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.gateway.app import create_app
from tests.waits import until_queued

ADMIN = {"Authorization": "Bearer admin-key-for-tests-0123456789abcdef"}
RULE = {
    "id": "team.flaky-ldap",
    "category": "INFRASTRUCTURE",
    "pattern": r"LDAP bind to (?P<host>[\w.-]+) timed out",
    "target": "message",
    "explanation": "The shared LDAP server {host} did not answer.",
    "confidence": 0.95,
}


@pytest.fixture
async def admin_client(settings, pg, redis):
    settings.admin_key = SecretStr("admin-key-for-tests-0123456789abcdef")
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_writes_need_admin(admin_client):
    response = await admin_client.post("/api/rules", json=RULE)
    assert response.status == 403
    assert (await response.json())["error_code"] == "FORBIDDEN"


async def test_crud_and_effect_on_analysis(admin_client, run_analyzer):
    created = await admin_client.post("/api/rules", json=RULE, headers=ADMIN)
    assert created.status == 201, await created.text()
    again = await admin_client.post("/api/rules", json=RULE, headers=ADMIN)
    assert again.status == 409

    listed = await (await admin_client.get("/api/rules?source=custom")).json()
    assert [r["id"] for r in listed["rules"]] == ["team.flaky-ldap"]
    everything = await (await admin_client.get("/api/rules")).json()
    assert everything["total"] > 60

    body = {
        "failures": [
            {"test_name": "t.a", "error_message": "LDAP bind to ldap.corp.example timed out"}
        ]
    }
    post = asyncio.create_task(admin_client.post("/analyze-failures", json=body))
    await until_queued(admin_client)
    await run_analyzer()
    result = await (await post).json()
    analysis = result["failures"][0]["analysis"]
    assert analysis["classification"] == "INFRASTRUCTURE"
    assert "ldap.corp.example" in analysis["details"]

    replaced = await admin_client.put(
        "/api/rules/team.flaky-ldap", json={**RULE, "confidence": 0.5}, headers=ADMIN
    )
    assert replaced.status == 200
    fetched = await (await admin_client.get("/api/rules/team.flaky-ldap")).json()
    assert fetched["confidence"] == 0.5

    deleted = await admin_client.delete("/api/rules/team.flaky-ldap", headers=ADMIN)
    assert deleted.status == 200
    gone = await admin_client.delete("/api/rules/team.flaky-ldap", headers=ADMIN)
    assert gone.status == 404


async def test_invalid_regex_is_422(admin_client):
    response = await admin_client.post(
        "/api/rules", json={**RULE, "pattern": "(unclosed"}, headers=ADMIN
    )
    assert response.status == 422
    body = await response.json()
    assert body["error_code"] == "VALIDATION_FAILED"
    assert "pattern" in body["detail"]


async def test_tester_shows_matches_and_positions(admin_client):
    await admin_client.post("/api/rules", json=RULE, headers=ADMIN)
    message = "setup: LDAP bind to ldap1 timed out"
    response = await admin_client.post("/api/rules/test", json={"message": message})
    body = await response.json()
    match = next(m for m in body["matches"] if m["rule_id"] == "team.flaky-ldap")
    assert message[match["start"] : match["end"]] == "LDAP bind to ldap1 timed out"
    assert match["groups"] == {"host": "ldap1"}
    assert body["verdict"]["rule_id"] == "team.flaky-ldap"


async def test_a_shipped_rule_can_be_disabled(admin_client):
    shipped = (await (await admin_client.get("/api/rules?source=builtin")).json())["rules"][0]
    response = await admin_client.put(
        f"/api/rules/{shipped['id']}",
        json={**shipped, "enabled": False, "source": "custom"},
        headers=ADMIN,
    )
    assert response.status == 201, await response.text()
    fetched = await (await admin_client.get(f"/api/rules/{shipped['id']}")).json()
    assert fetched["enabled"] is False and fetched["source"] == "custom"
