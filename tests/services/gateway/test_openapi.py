"""OpenAPI 3.1 from the route table and the pydantic models; docs from local files;
schemathesis against a live gateway finds no 5xx and no answer outside the spec."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from schemathesis import checks

from services.gateway.app import create_app
from services.gateway.pages.negotiate import PAGE_ONLY
from services.gateway.routes import openapi as openapi_routes
from verdict.contracts.auth import CreateUserRequest
from verdict.contracts.requests import AnalyzeFailuresRequest

ADMIN_KEY = "bootstrap-admin-key-0123456789abcdef"


def gateway(settings) -> web.Application:
    app = create_app(settings)
    # Until app.py registers routes/openapi.py itself.
    if not any(r.resource and r.resource.canonical == "/openapi.json" for r in app.router.routes()):
        app.add_routes(openapi_routes.routes)
    return app


@pytest.fixture
async def docs_client(settings, pg, redis):
    async with TestClient(TestServer(gateway(settings))) as client:
        yield client


async def test_spec_covers_every_route(docs_client):
    response = await docs_client.get("/openapi.json")
    assert response.status == 200
    spec = await response.json()
    assert spec["openapi"] == "3.1.0"
    for route in docs_client.app.router.routes():
        method = route.method.lower()
        path = re.sub(r"\{([^}:]+)(:[^}]*)?\}", r"{\1}", route.resource.canonical)
        if method in ("head", "*") or path.startswith(("/docs", "/openapi")):
            continue
        if PAGE_ONLY.match(path):
            continue  # the web UI's pages and forms are not the API
        assert method in spec["paths"].get(path, {}), (method, path)
    login = spec["paths"]["/api/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoginRequest"
    }
    assert "Idempotency-Key" in {p["name"] for p in login["parameters"]}
    assert "default" in login["responses"]


async def test_spec_schemas_are_the_validating_models(docs_client):
    spec = await (await docs_client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    ours = AnalyzeFailuresRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    ours.pop("$defs", None)
    assert schemas["AnalyzeFailuresRequest"] == ours
    assert schemas["CreateUserRequest"] == CreateUserRequest.model_json_schema()
    assert set(schemas["ErrorBody"]["required"]) == {"error", "error_code", "detail", "request_id"}


async def test_docs_are_served_locally(docs_client):
    page = await docs_client.get("/docs")
    assert page.status == 200
    html = await page.text()
    assert "/openapi.json" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)  # no CDN
    for asset in re.findall(r"""(?:src|href)=["'](/docs/static/[^"']+)""", html):
        served = await docs_client.get(asset)
        assert served.status == 200, asset
    assert (await docs_client.get("/docs/static/../../app.py")).status == 404


async def test_docs_without_swagger_ui_fall_back_to_the_explorer(docs_client, monkeypatch):
    monkeypatch.setattr(openapi_routes, "_swagger_dir", lambda: None)
    page = await docs_client.get("/docs")
    html = await page.text()
    assert page.status == 200 and 'fetch("/openapi.json")' in html
    assert "http://" not in html and "https://" not in html
    assert (await docs_client.get("/docs/static/swagger-ui-bundle.js")).status == 404


def _fuzz(base_url: str, max_examples: int) -> tuple[list[str], Counter[str]]:
    """Every operation, a bounded number of generated requests each; failures collected."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    wanted = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]
    failures: list[str] = []
    calls: Counter[str] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case: Any) -> None:
            name = f"{case.operation.method.upper()} {case.operation.path}"
            response = case.call_and_validate(
                base_url=base_url,
                headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                checks=wanted,
                timeout=30,
            )
            calls[f"{name} {response.status_code}"] += 1

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    return failures, calls


async def test_schemathesis_finds_nothing(settings, pg, redis):
    settings.admin_key = SecretStr(ADMIN_KEY)
    settings.sync_timeout_s = 0.3  # no worker runs here: synchronous calls answer 202
    settings.tracker_call_timeout_s = 0.5  # ...and tracker calls answer their timeout
    settings.rate_limit_default = 1_000_000
    settings.rate_limits = {}
    server = TestServer(gateway(settings), host="127.0.0.1")
    await server.start_server()
    try:
        base_url = str(server.make_url("")).rstrip("/")
        failures, calls = await asyncio.to_thread(_fuzz, base_url, 12)
    finally:
        await server.close()
    assert not failures, "\n\n".join(failures)
    operations = {" ".join(call.split()[:2]) for call in calls}
    assert len(operations) >= 20, sorted(calls)
    # Not only errors: the generated requests get through to real answers too.
    assert any(call.endswith((" 200", " 201", " 202")) for call in calls)
