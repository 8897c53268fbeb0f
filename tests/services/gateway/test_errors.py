"""One error shape everywhere: error, error_code, detail, request_id."""

from __future__ import annotations

import io
import uuid

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.gateway.app import create_app

SHAPE = {"error", "error_code", "detail", "request_id"}


async def _error(response, status: int, code: str) -> dict:
    assert response.status == status, await response.text()
    body = await response.json()
    assert set(body) >= SHAPE
    assert body["error_code"] == code
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert body["detail"]
    return body


async def test_invalid_json_is_400(client):
    response = await client.post(
        "/analyze-failures", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    await _error(response, 400, "INVALID_JSON")


async def test_empty_body_is_400(client):
    await _error(await client.post("/analyze-failures", data=b""), 400, "INVALID_JSON")


async def test_non_object_body_is_400(client):
    await _error(await client.post("/analyze-failures", json=[1, 2]), 400, "INVALID_JSON")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"failures": [{"test_name": "a"}], "raw_xml": "<testsuite/>"},
        {"failures": [{"error_message": "no test name"}]},
        {"failures": "nope"},
        {"failures": [], "peer_analysis_max_rounds": 11},
    ],
)
async def test_validation_is_422(client, body, pg):
    body = await _error(await client.post("/analyze-failures", json=body), 422, "VALIDATION_FAILED")
    assert body["errors"]
    assert await pg.fetchval("select count(*) from jobs") == 0  # nothing stored


async def test_unknown_provider_is_400(client):
    body = {"failures": [{"test_name": "a"}], "ai_provider": "skynet", "ai_model": "x"}
    response = await client.post("/analyze-failures", json=body)
    detail = (await _error(response, 400, "INVALID_AI_PROVIDER"))["detail"]
    assert "skynet" in detail


async def test_unknown_job_is_404(client):
    await _error(await client.get(f"/results/{uuid.uuid4()}"), 404, "NOT_FOUND")
    await _error(await client.get("/results/not-a-uuid"), 404, "NOT_FOUND")


async def test_unknown_route_is_404(client):
    await _error(await client.get("/no/such/thing"), 404, "NOT_FOUND")


async def test_wrong_method_is_405(client):
    await _error(await client.delete("/health"), 405, "METHOD_NOT_ALLOWED")


async def test_oversized_body_is_413(settings, pg, redis):
    settings.max_body_mb = 1
    async with TestClient(TestServer(create_app(settings))) as small:
        response = await small.post(
            "/analyze-failures",
            data=io.BytesIO(b"x" * (2 * 1024 * 1024)),
            headers={"Content-Type": "application/json"},
        )
        await _error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_request_id_is_echoed(client):
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize("text", ["nul\\u0000byte", "lone \\ud800 surrogate"])
async def test_unstorable_text_is_400_not_500(client, pg, text):
    raw = ('{"failures": [{"test_name": "t", "error_message": "' + text + '"}]}').encode()
    response = await client.post(
        "/analyze-failures", data=raw, headers={"Content-Type": "application/json"}
    )
    body = await _error(response, 400, "INVALID_JSON")
    assert "cannot be stored" in body["detail"]
    assert await pg.fetchval("select count(*) from jobs") == 0
