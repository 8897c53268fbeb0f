"""Issue 15 #8 and the low items, replayed: small requests that used to cost the gateway
hundreds of megabytes, or a 500, now get a clear 4xx in the error shape."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
import zlib

import pytest

from verdict.settings import Settings

FAILURE = {"test_name": "t.a", "error_message": "AssertionError: 1 != 2"}
JSON = {"Content-Type": "application/json"}


def _tiny_failures(n: int) -> bytes:
    return json.dumps({"failures": [{"test_name": "a"}] * n}, separators=(",", ":")).encode()


async def _error(response, status: int) -> dict:
    body = await response.json()
    assert response.status == status, body
    assert set(body) >= {"error", "error_code", "detail", "request_id"}
    return dict(body)


async def test_a_gzip_bomb_is_refused_before_it_is_parsed(client, pg):
    """44 KB of gzip inflating to 18 MB of JSON took the gateway from 88 MB to 821 MB."""
    bomb = gzip.compress(_tiny_failures(1_100_000), 9)
    assert len(bomb) < 100_000
    response = await client.post(
        "/analyze-failures", data=bomb, headers={**JSON, "Content-Encoding": "gzip"}
    )
    body = await _error(response, 413)
    assert "VERDICT_MAX_DECOMPRESSED_MB" in body["detail"]
    assert await pg.fetchval("select count(*) from jobs") == 0


async def test_a_plain_body_of_a_million_failures_stops_parsing_early(client, pg):
    """The same 18 MB sent plain: the parser stops at the object cap, so the million
    dicts (and their pydantic models) are never built."""
    raw = _tiny_failures(1_100_000)
    tracemalloc.start()
    try:
        response = await client.post("/analyze-failures", data=io.BytesIO(raw), headers=JSON)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    body = await _error(response, 413)
    assert "VERDICT_MAX_FAILURES_PER_REQUEST" in body["detail"]
    assert peak < 120 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"
    assert await pg.fetchval("select count(*) from jobs") == 0


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"max_failures_per_request": 5})


async def test_failures_per_request_are_capped(client, pg):
    ok = await client.post("/analyze-failures?wait=false", json={"failures": [FAILURE] * 5})
    assert ok.status == 202, await ok.text()
    over = await client.post("/analyze-failures?wait=false", json={"failures": [FAILURE] * 6})
    body = await _error(over, 422)
    assert body["errors"][0]["loc"] == ["failures"]
    assert "at most 5 failures" in body["detail"]
    many = await client.post("/analyze-failures?wait=false", json={"failures": [FAILURE] * 2000})
    await _error(many, 413)
    assert await pg.fetchval("select count(*) from jobs") == 1


async def test_compressed_bodies_within_the_cap_are_read(client):
    body = json.dumps({"failures": [FAILURE]}).encode()
    for encoding, data in (
        ("gzip", gzip.compress(body)),
        ("deflate", zlib.compress(body)),
        ("identity", body),
    ):
        response = await client.post(
            "/analyze-failures?wait=false",
            data=data,
            headers={**JSON, "Content-Encoding": encoding},
        )
        assert response.status == 202, (encoding, await response.text())


async def test_bad_compressed_bodies_are_clear_errors(client, settings):
    body = gzip.compress(json.dumps({"failures": [FAILURE]}).encode())
    post = "/analyze-failures?wait=false"
    truncated = await client.post(
        post, data=body[:-8], headers={**JSON, "Content-Encoding": "gzip"}
    )
    assert "truncated" in (await _error(truncated, 400))["detail"]
    garbage = await client.post(
        post, data=b"not gzip", headers={**JSON, "Content-Encoding": "gzip"}
    )
    await _error(garbage, 400)
    brotli = await client.post(post, data=body, headers={**JSON, "Content-Encoding": "br"})
    assert (await _error(brotli, 415))["error_code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_compressed_bodies_can_be_refused(client, settings, pg):
    settings.max_decompressed_mb = 0
    body = gzip.compress(json.dumps({"failures": [FAILURE]}).encode())
    response = await client.post(
        "/analyze-failures?wait=false", data=body, headers={**JSON, "Content-Encoding": "gzip"}
    )
    await _error(response, 415)


def _nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


@pytest.mark.parametrize("levels", [200_000, 1_000, 65])
@pytest.mark.parametrize(
    "path", ["/analyze-failures", "/api/rules/test", "/history/classify", "/api/auth/login"]
)
async def test_deeply_nested_json_is_a_400(client, path, levels):
    """A body nested 200,000 levels answered 500 (RecursionError)."""
    for raw in (_nested(levels), b"[" * levels + b"]" * levels):
        response = await client.post(path, data=io.BytesIO(raw), headers=JSON)
        body = await _error(response, 400)
        assert "deeper than 64" in body["detail"]


async def test_nesting_within_the_limit_is_read(client):
    raw = json.dumps({"failures": [FAILURE], "x": json.loads(_nested(50))}).encode()
    response = await client.post("/analyze-failures?wait=false", data=raw, headers=JSON)
    assert response.status == 202, await response.text()
