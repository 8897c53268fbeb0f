"""Same URL, two answers: browsers get pages, everyone else exactly the JSON of before."""

from __future__ import annotations

import pytest

from services.gateway.pages.negotiate import wants_html
from tests.services.gateway.history_support import Fail, create_job

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
XSS = "tests.t<script>alert(1)</script>"


@pytest.fixture
async def job(pg):
    return await create_job(
        pg,
        failures=[Fail("t.test_a"), Fail(XSS, "Timeout <b>bold</b>", "INFRASTRUCTURE")],
        job_name="folder/job",
        build_number=3,
    )


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER, True),
        ("text/html", True),
        ("application/json", False),
        ("*/*", False),
        ("", False),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0", False),
        ("text/html, application/json", True),
    ],
)
def test_wants_html(make_mocked_request, accept, html):
    request = make_mocked_request("GET", "/", headers={"Accept": accept} if accept else {})
    assert wants_html(request) is html


@pytest.fixture
def make_mocked_request():
    from aiohttp.test_utils import make_mocked_request

    return make_mocked_request


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
async def test_api_clients_get_the_same_json(client, job, accept):
    headers = {"Accept": accept} if accept else {"Accept": ""}
    plain = await client.get(f"/results/{job}", headers=headers)
    assert plain.status == 200
    assert plain.content_type == "application/json"
    body = await plain.json()
    assert body["job_id"] == str(job)
    assert {f["test_name"] for f in body["result"]["failures"]} == {"t.test_a", XSS}
    dash = await client.get("/api/dashboard", headers=headers)
    assert dash.content_type == "application/json"
    root = await client.get("/", headers=headers)
    assert root.status == 404
    assert (await root.json())["error_code"] == "NOT_FOUND"


async def test_browser_gets_the_report_page(client, job):
    page = await client.get(f"/results/{job}", headers={"Accept": BROWSER})
    assert page.status == 200
    assert page.content_type == "text/html"
    assert "Accept" in page.headers["Vary"]
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    text = await page.text()
    assert "folder/job #3" in text
    # Attacker-controlled text is escaped, never markup.
    assert "<script>alert(1)</script>" not in text
    assert "t&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>bold</b>" not in text
    assert "<script" not in text.replace('<script src="/static/', "")


async def test_dashboard_is_the_root_page(client, job):
    page = await client.get("/", headers={"Accept": BROWSER})
    assert page.status == 200
    text = await page.text()
    assert f'href="/results/{job}"' in text
    assert "folder/job #3" in text
    filtered = await client.get("/?status=failed", headers={"Accept": BROWSER})
    assert f'href="/results/{job}"' not in await filtered.text()
    bad = await client.get("/?status=nope", headers={"Accept": BROWSER})
    assert bad.status == 422
    assert bad.content_type == "text/html"


async def test_in_progress_report_redirects_to_status(client, pg):
    running = await create_job(pg, status="running", job_name="slow", build_number=1)
    page = await client.get(
        f"/results/{running}", headers={"Accept": BROWSER}, allow_redirects=False
    )
    assert page.status == 303
    assert page.headers["Location"] == f"/status/{running}"
    api = await client.get(f"/results/{running}", headers={"Accept": "application/json"})
    assert api.status == 202
    status = await client.get(f"/status/{running}", headers={"Accept": BROWSER})
    assert status.status == 200
    assert "status.js" in await status.text()


async def test_unknown_report_is_a_404_page(client):
    page = await client.get(
        "/results/00000000-0000-0000-0000-000000000000", headers={"Accept": BROWSER}
    )
    assert page.status == 404
    assert page.content_type == "text/html"
    assert "Not found" in await page.text()
