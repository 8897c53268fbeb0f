"""Every page renders for an admin, escapes what it shows, and names its data."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from tests.services.gateway.history_support import ADMIN, ADMIN_KEY, Fail, create_job
from tests.services.gateway.pages.test_csrf import BROWSER, origin

XSS = "t.<script>alert(1)</script>"


@pytest.fixture
def settings(base_settings):
    return base_settings.model_copy(
        update={"admin_key": SecretStr(ADMIN_KEY), "allowed_hosts": ["hooks.example.com"]}
    )


@pytest.fixture
async def job(pg):
    return await create_job(
        pg,
        failures=[
            Fail(XSS, "AssertionError: <i>x</i>"),
            Fail("t.test_b", "Timeout", "INFRASTRUCTURE"),
        ],
        job_name="nightly/<b>job</b>",
        build_number=7,
    )


def assert_escaped(text: str) -> None:
    assert "<script>alert(1)</script>" not in text
    assert "<b>job</b>" not in text
    assert "<i>x</i>" not in text


async def get_page(client, path: str) -> str:
    page = await client.get(path, headers={"Accept": BROWSER, **ADMIN})
    assert page.status == 200, (path, await page.text())
    assert page.content_type == "text/html"
    assert "Content-Security-Policy" in page.headers
    text = await page.text()
    assert_escaped(text)
    return text


async def test_pages_render_escaped(client, job):
    report = await get_page(client, f"/results/{job}")
    signature = re.search(r'href="(/history/search\?signature=[0-9a-f]+)"', report).group(1)
    assert "Classification history" in await get_page(client, signature)
    assert "t.test_b" in await get_page(client, "/history/test/t.test_b")
    assert "2</strong> failures match" in await get_page(client, "/history/failures")
    assert "Test pasted failure text" in await get_page(client, "/rules")
    assert "Who are you?" in await get_page(client, "/login")
    for tab in ("users", "keys", "webhooks", "usage"):
        await get_page(client, f"/admin/{tab}")
    assert "nightly/&lt;b&gt;job&lt;/b&gt; #7" in await get_page(client, "/")


async def test_rule_tester_page(client, job):
    page = await client.get("/rules", headers={"Accept": BROWSER})
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', await page.text()).group(1)
    answer = await client.post(
        "/ui/rules/test",
        data={
            "message": "ConnectionRefusedError: [Errno 111] Connection refused",
            "csrf_token": token,
        },
        headers={**origin(client), "Accept": BROWSER},
    )
    assert answer.status == 200
    text = await answer.text()
    assert "INFRASTRUCTURE" in text and "matching rules" in text


async def test_api_key_is_shown_once(client):
    page = await client.get("/admin/keys", headers={"Accept": BROWSER, **ADMIN})
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', await page.text()).group(1)
    created = await client.post(
        "/ui/admin/keys",
        data={"name": "pipeline", "scopes": "analysis:write", "csrf_token": token},
        headers={**origin(client), **ADMIN, "Accept": BROWSER},
    )
    assert created.status == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="secret">([^<]+)</code>', await created.text()).group(1)
    listed = await client.get("/admin/keys", headers={"Accept": BROWSER, **ADMIN})
    text = await listed.text()
    assert "pipeline" in text and secret not in text
    keys = await (await client.get("/api/admin/api-keys", headers=ADMIN)).json()
    assert [k["scopes"] for k in keys["api_keys"]] == [["analysis:write"]]
    works = await client.get("/results", headers={"Authorization": f"Bearer {secret}"})
    assert works.status == 200


async def test_non_admin_gets_a_403_page(client):
    page = await client.get("/admin/users", headers={"Accept": BROWSER})
    assert page.status == 403
    assert "Not allowed" in await page.text()
