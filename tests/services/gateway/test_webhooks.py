"""Outbound webhooks: subscriptions CRUD, signed deliveries, retries, the delivery log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from tests.fakes.jira import serve
from tests.services.tracker.fixtures import tracker_worker
from verdict.security.crypto import TokenCipher
from verdict.settings import Settings
from verdict.webhooks.outbound import emit_event
from verdict.webhooks.signing import verify

__all__ = ["tracker_worker"]

ADMIN_KEY = "admin-key-for-webhook-tests-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
SECRET = "whsec_test_secret_0123456789"


class Receiver:
    """A customer's endpoint: verifies every signature, can fail its first N calls."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls: list[dict[str, Any]] = []
        self.got = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        valid = verify(
            SECRET,
            request.headers["X-Verdict-Timestamp"],
            raw,
            request.headers["X-Verdict-Signature"],
        )
        self.calls.append(
            {"valid": valid, "body": json.loads(raw), "headers": dict(request.headers)}
        )
        if not valid:
            return web.Response(status=401)
        if len(self.calls) <= self.fail_first:
            return web.Response(status=503, text="busy")
        self.got.set()
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    async with serve(app) as url:
        yield hook, f"{url}/hook"


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(
        update={
            "admin_key": SecretStr(ADMIN_KEY),
            "allowed_hosts": ["127.0.0.1"],
            "webhook_retry_schedule_s": [0.1, 0.1, 0.1],
            "tracker_call_timeout_s": 10.0,
        }
    )


async def _subscribe(client: Any, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = await client.post(
        "/api/webhooks",
        json={"url": url, "events": events or ["analysis.completed"], "secret": SECRET},
        headers=ADMIN,
    )
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def _wait_for(pg: Any, delivery_id: int, status: str) -> Any:
    for _ in range(200):
        row = await pg.fetchrow("select * from webhook_deliveries where id = $1", delivery_id)
        if row["status"] == status:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"delivery {delivery_id} stayed {row['status']}: {row['last_error']}")


async def test_crud_is_admin_only(client, receiver, pg):
    _hook, url = receiver
    assert (
        await client.post("/api/webhooks", json={"url": url, "events": ["analysis.completed"]})
    ).status == 403
    assert (await client.get("/api/webhooks")).status == 403

    created = await client.post(
        "/api/webhooks", json={"url": url, "events": ["analysis.completed"]}, headers=ADMIN
    )
    assert created.status == 201
    sub = await created.json()
    assert sub["secret"].startswith("whsec_") and sub["active"] is True
    stored = await pg.fetchval("select secret_enc from webhook_subscriptions")
    assert sub["secret"].encode() not in bytes(stored)  # encrypted at rest

    listed = await (await client.get("/api/webhooks", headers=ADMIN)).json()
    assert [w["id"] for w in listed["webhooks"]] == [sub["id"]]
    assert "secret" not in listed["webhooks"][0]

    patched = await client.patch(
        f"/api/webhooks/{sub['id']}",
        json={"active": False, "events": ["analysis.failed"]},
        headers=ADMIN,
    )
    assert (await patched.json())["events"] == ["analysis.failed"]
    assert (await patched.json())["active"] is False
    bad_event = await client.patch(
        f"/api/webhooks/{sub['id']}", json={"events": ["nope"]}, headers=ADMIN
    )
    assert bad_event.status == 422
    assert (await client.delete(f"/api/webhooks/{sub['id']}", headers=ADMIN)).status == 200
    assert (await client.get(f"/api/webhooks/{sub['id']}", headers=ADMIN)).status == 404


async def test_internal_targets_need_the_allow_list(client, settings):
    for url in ("http://10.0.0.5/hook", "http://169.254.169.254/latest", "http://localhost:9/x"):
        response = await client.post(
            "/api/webhooks", json={"url": url, "events": ["analysis.started"]}, headers=ADMIN
        )
        assert response.status == 400, url
    assert (
        await client.post(
            "/api/webhooks",
            json={"url": "ftp://example.com/x", "events": ["analysis.started"]},
            headers=ADMIN,
        )
    ).status == 400
    ok = await client.post(
        "/api/webhooks",
        json={"url": "https://hooks.example.com/x", "events": ["analysis.started"]},
        headers=ADMIN,
    )
    assert ok.status == 201


@pytest.mark.parametrize(
    "url",
    [
        # (127.0.0.1 itself is allowed here: the test receiver listens there.)
        "http://167772161/hook",  # 10.0.0.1 as one decimal number
        "http://2852039166/latest",  # 169.254.169.254
        "http://012.0.0.1/hook",  # octal
        "http://0xa.0.0.1/hook",  # hex
        "http://0x0a000001/hook",
        "http://10.1/hook",  # the short form inet_aton reads as 10.0.0.1
        "http://[::ffff:7f00:1]/hook",  # IPv4-mapped
        "http://[::ffff:0:7f00:1]/hook",  # IPv4-translated
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 of 169.254.169.254
        "http://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
        "http://[::7f00:1]/hook",  # IPv4-compatible
        "http://localhost./hook",
        "http://api.localhost/hook",
    ],
)
async def test_disguised_internal_targets_are_refused_when_saved(client, settings, pg, url):
    """Issue 15 (low): numeric IPv4 spellings and IPv6 transition prefixes were saved."""
    response = await client.post(
        "/api/webhooks", json={"url": url, "events": ["analysis.started"]}, headers=ADMIN
    )
    assert response.status == 400, url
    assert "VERDICT_ALLOWED_HOSTS" in (await response.json())["detail"]
    assert await pg.fetchval("select count(*) from webhook_subscriptions") == 0


async def test_targets_are_stored_canonical(client, pg):
    response = await client.post(
        "/api/webhooks",
        json={"url": "http://134744072:8080/hook", "events": ["analysis.started"]},
        headers=ADMIN,
    )
    assert response.status == 201
    assert (await response.json())["url"] == "http://8.8.8.8:8080/hook"
    assert await pg.fetchval("select url from webhook_subscriptions") == "http://8.8.8.8:8080/hook"


@pytest.mark.parametrize(
    "url",
    ["http://[64:ff9b::7f00:1]:9/hook", "http://167772161:9/hook", "http://[2002:7f00:1::]:9/"],
)
async def test_a_stored_disguised_target_is_refused_at_delivery(
    client, pg, redis, settings, tracker_worker, url
):
    """A subscription saved before targets were canonicalized is checked again when it
    is delivered: aiohttp resolves no IP literal, so the literal itself is checked."""
    sub_id = await pg.fetchval(
        "insert into webhook_subscriptions (url, events, secret_enc, active, created_by)"
        " values ($1, $2, $3, true, 'old') returning id",
        url,
        ["analysis.completed"],
        TokenCipher.from_settings(settings).encrypt(SECRET),
    )
    assert sub_id
    (delivery_id,) = await emit_event(pg, redis, settings, "analysis.completed", {"job_id": "j"})
    row = await _wait_for(pg, delivery_id, "failed")
    assert row["attempts"] == 1
    assert "loopback, private or link-local" in row["last_error"]


async def test_emit_event_delivers_signed_payloads(
    client, receiver, pg, redis, settings, tracker_worker
):
    hook, url = receiver
    sub = await _subscribe(client, url, ["analysis.completed", "failure.classified"])
    await _subscribe(client, url, ["analysis.failed"])  # not matching: no delivery
    ids = await emit_event(
        pg, redis, settings, "analysis.completed", {"job_id": "j-1", "failures": 3}
    )
    assert len(ids) == 1
    row = await _wait_for(pg, ids[0], "delivered")
    assert row["attempts"] == 1 and row["last_status"] == 204
    call = hook.calls[0]
    assert call["valid"] is True
    assert call["body"]["event"] == "analysis.completed"
    assert call["body"]["data"] == {"job_id": "j-1", "failures": 3}
    assert call["body"]["delivery_id"] == ids[0]
    assert call["headers"]["X-Verdict-Event"] == "analysis.completed"
    assert call["headers"]["X-Verdict-Signature"].startswith("sha256=")

    log = await (await client.get(f"/api/webhooks/{sub['id']}/deliveries", headers=ADMIN)).json()
    assert [(d["status"], d["attempts"]) for d in log["deliveries"]] == [("delivered", 1)]


async def test_failed_deliveries_are_retried_with_backoff(
    client, receiver, pg, redis, settings, tracker_worker
):
    hook, url = receiver
    hook.fail_first = 2
    sub = await _subscribe(client, url)
    (delivery_id,) = await emit_event(pg, redis, settings, "analysis.completed", {"job_id": "j-2"})
    row = await _wait_for(pg, delivery_id, "delivered")
    assert row["attempts"] == 3
    assert [c["valid"] for c in hook.calls] == [True, True, True]
    # Each attempt is signed afresh (its own timestamp), over the same document.
    assert len({c["headers"]["X-Verdict-Delivery"] for c in hook.calls}) == 1
    log = await (await client.get(f"/api/webhooks/{sub['id']}/deliveries", headers=ADMIN)).json()
    assert log["deliveries"][0]["last_error"] == ""


async def test_retries_stop_after_the_schedule(
    client, receiver, pg, redis, settings, tracker_worker
):
    hook, url = receiver
    hook.fail_first = 100
    sub = await _subscribe(client, url)
    (delivery_id,) = await emit_event(pg, redis, settings, "analysis.completed", {"job_id": "j-3"})
    row = await _wait_for(pg, delivery_id, "failed")
    assert row["attempts"] == 4  # the first try plus one per schedule entry
    assert row["last_status"] == 503 and "receiver answered 503" in row["last_error"]
    log = await (await client.get(f"/api/webhooks/{sub['id']}/deliveries", headers=ADMIN)).json()
    assert log["deliveries"][0]["status"] == "failed"


async def test_test_endpoint(client, receiver, tracker_worker):
    hook, url = receiver
    sub = await _subscribe(client, url)
    response = await client.post(f"/api/webhooks/{sub['id']}/test", headers=ADMIN)
    assert response.status == 200, await response.text()
    result = await response.json()
    assert result["delivered"] is True and result["status_code"] == 204
    assert hook.calls[0]["body"]["event"] == "webhook.test"
    assert (await client.post("/api/webhooks/999/test", headers=ADMIN)).status == 404
    assert (await client.post(f"/api/webhooks/{sub['id']}/test")).status == 403


async def test_an_analysis_announces_started_classified_and_completed(
    client, receiver, pg, run_analyzer, tracker_worker
):
    hook, url = receiver
    await _subscribe(client, url, ["analysis.started", "analysis.completed", "failure.classified"])
    body = {
        "failures": [
            {"test_name": "t.a", "error_message": "ConnectionRefusedError: [Errno 111]"},
            {"test_name": "t.b", "error_message": "ConnectionRefusedError: [Errno 111]"},
        ]
    }
    queued = await client.post("/analyze-failures?wait=false", json=body)
    job_id = (await queued.json())["job_id"]
    await run_analyzer()
    for _ in range(200):
        if len([c for c in hook.calls if c["valid"]]) >= 3:
            break
        await asyncio.sleep(0.05)
    events = [c["body"]["event"] for c in hook.calls]
    assert events == ["analysis.started", "analysis.completed", "failure.classified"]
    assert all(c["valid"] for c in hook.calls)
    completed = hook.calls[1]["body"]["data"]
    assert completed["job_id"] == job_id and completed["failure_count"] == 2
    classified = hook.calls[2]["body"]["data"]
    assert classified["affected_tests"] == ["t.a", "t.b"]
    assert classified["classification"] == "INFRASTRUCTURE"


async def test_a_human_override_announces_failure_classified(
    client, receiver, pg, run_analyzer, tracker_worker
):
    hook, url = receiver
    await _subscribe(client, url, ["failure.classified"])
    body = {"failures": [{"test_name": "t.a", "error_message": "AssertionError: x"}]}
    job_id = (await (await client.post("/analyze-failures?wait=false", json=body)).json())["job_id"]
    await run_analyzer()
    for _ in range(200):  # the analysis's own event first
        if hook.calls:
            break
        await asyncio.sleep(0.05)
    override = await client.put(
        f"/results/{job_id}/override-classification",
        json={"test_name": "t.a", "classification": "PRODUCT BUG"},
        headers={"Cookie": "jji_username=alice"},
    )
    assert override.status == 200, await override.text()
    for _ in range(200):
        if len(hook.calls) >= 2:
            break
        await asyncio.sleep(0.05)
    data = hook.calls[-1]["body"]["data"]
    assert data["source"] == "human" and data["username"] == "alice"
    assert data["classification"] == "PRODUCT BUG" and data["affected_tests"] == ["t.a"]
    assert data["error_signature"] == hook.calls[0]["body"]["data"]["error_signature"]
