"""Rate limits in Redis: headers everywhere, 429 in the error shape, brute force, fail open."""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.gateway.app import create_app
from services.gateway.security import required_scope
from verdict.security.ratelimit import SlidingWindow

ADMIN_KEY = "bootstrap-admin-key-0123456789abcdef"
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


async def test_headers_on_every_response(client):
    for response in (
        await client.get("/health"),
        await client.get("/results"),
        await client.get("/no/such/route"),
        await client.post("/analyze-failures", json={}),
    ):
        for name in HEADERS:
            assert name in response.headers, (response.status, name)
    first = await client.get("/results")
    second = await client.get("/results")
    assert int(second.headers["X-RateLimit-Remaining"]) == (
        int(first.headers["X-RateLimit-Remaining"]) - 1
    )
    assert int(first.headers["X-RateLimit-Reset"]) >= int(time.time())


async def test_limit_exceeded_is_429_with_retry_after(settings, pg, redis):
    settings.rate_limits = {"analysis:read": 3}
    async with TestClient(TestServer(create_app(settings))) as client:
        for _ in range(3):
            assert (await client.get("/results")).status == 200
        limited = await client.get("/results")
        assert limited.status == 429
        body = await limited.json()
        assert body["error_code"] == "RATE_LIMITED"
        assert body["request_id"] == limited.headers["X-Request-ID"]
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        # Another scope has its own bucket.
        assert (await client.get("/health")).status == 200


async def test_limits_are_per_key(settings, pg, redis):
    settings.admin_key = SecretStr(ADMIN_KEY)
    settings.rate_limits = {"analysis:read": 2}
    async with TestClient(TestServer(create_app(settings))) as client:
        for _ in range(2):
            await client.get("/results")
        assert (await client.get("/results")).status == 429
        keyed = await client.get("/results", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert keyed.status == 200


async def test_brute_force_is_limited(settings, pg, redis):
    settings.admin_key = SecretStr(ADMIN_KEY)
    settings.auth_fail_limit = 5
    async with TestClient(TestServer(create_app(settings))) as client:
        for i in range(5):
            response = await client.get(
                "/api/admin/users", headers={"Authorization": f"Bearer guess-{i}"}
            )
            assert response.status == 403
        blocked = await client.get(
            "/api/admin/users", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert blocked.status == 429
        assert int(blocked.headers["Retry-After"]) >= 1
        assert "failed authentication" in (await blocked.json())["detail"]
        login = await client.post(
            "/api/auth/login", json={"username": "admin", "api_key": ADMIN_KEY}
        )
        assert login.status == 429
        # Requests without credentials are not blocked by the failed-auth limiter.
        assert (await client.get("/health")).status == 200


async def test_login_brute_force_is_limited(settings, pg, redis):
    settings.admin_key = SecretStr(ADMIN_KEY)
    settings.auth_fail_limit = 3
    async with TestClient(TestServer(create_app(settings))) as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/login", json={"username": "admin", "api_key": f"guess-{i}"}
                )
            ).status
            for i in range(5)
        ]
        assert statuses == [401, 401, 401, 429, 429]


async def test_redis_down_fails_open(settings, pg, redis):
    settings.redis_url = "redis://127.0.0.1:1/0"
    async with TestClient(TestServer(create_app(settings))) as client:
        started = time.monotonic()
        response = await client.get("/results")
        assert response.status == 200
        assert "X-RateLimit-Limit" not in response.headers
        assert (await client.get("/health")).status == 200
        assert time.monotonic() - started < 5


async def test_sliding_window_counts_exactly(redis):
    window = SlidingWindow(redis, "test-rl")
    decisions = [await window.hit("k", limit=3, window_s=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after >= 59
    peek = await window.hit("k", limit=3, window_s=60, record=False)
    assert not peek.allowed
    short = [await window.hit("s", limit=1, window_s=0.05) for _ in range(2)]
    assert [d.allowed for d in short] == [True, False]
    await asyncio.sleep(0.06)
    assert (await window.hit("s", limit=1, window_s=0.05)).allowed


def test_scope_table():
    assert required_scope("GET", "/health") == "public"
    assert required_scope("GET", "/results/abc") == "analysis:read"
    assert required_scope("GET", "/history/failures") == "analysis:read"
    assert required_scope("POST", "/analyze") == "analysis:write"
    assert required_scope("POST", "/analyze-failures") == "analysis:write"
    assert required_scope("POST", "/re-analyze/abc") == "analysis:write"
    assert required_scope("POST", "/results/abc/comments") == "history:write"
    assert required_scope("DELETE", "/results/abc/comments/3") == "history:write"
    assert required_scope("PUT", "/results/abc/reviewed") == "history:write"
    assert required_scope("PUT", "/results/abc/override-classification") == "history:write"
    assert required_scope("POST", "/history/classify") == "history:write"
    assert required_scope("DELETE", "/results/abc") == "admin"
    assert required_scope("GET", "/api/admin/users") == "admin"
    assert required_scope("POST", "/api/admin/api-keys") == "admin"
    assert required_scope("POST", "/something/new") == "admin"
    assert required_scope("POST", "/api/auth/login") == "public"
