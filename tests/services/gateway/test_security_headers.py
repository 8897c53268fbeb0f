"""Security headers on every response (issue 15, low): JSON, errors, streams, pages."""

from __future__ import annotations

import pytest

from services.gateway.app import create_app
from verdict.settings import Settings

BASE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/no/such/route"),  # 404 in the error shape
        ("POST", "/analyze-failures"),  # 400: empty body
        ("DELETE", "/health"),  # 405
        ("GET", "/openapi.json"),
    ],
)
async def test_every_answer_carries_them(client, method, path):
    response = await client.request(method, path)
    for name, value in BASE.items():
        assert response.headers.get(name) == value, (path, name)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # no https base URL


async def test_html_gets_no_api_csp(client):
    response = await client.get("/docs")
    assert response.content_type == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" not in response.headers.get("Content-Security-Policy", "")


async def test_hsts_when_the_public_url_is_https(aiohttp_client_factory):
    client = await aiohttp_client_factory(public_base_url="https://verdict.example.com")
    response = await client.get("/health")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.fixture
async def aiohttp_client_factory(base_settings: Settings, pg, redis):
    from aiohttp.test_utils import TestClient, TestServer

    clients: list[TestClient] = []

    async def make(**overrides: object) -> TestClient:
        app = create_app(base_settings.model_copy(update=overrides))
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for c in clients:
        await c.close()
