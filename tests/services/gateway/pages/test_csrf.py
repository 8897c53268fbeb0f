"""The pages' writes: same-origin and tokened; cross-site cookie writes to the API refused."""

from __future__ import annotations

import re

import pytest

from tests.services.gateway.history_support import Fail, create_job

BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


@pytest.fixture
async def job(pg):
    return await create_job(pg, failures=[Fail("t.test_a"), Fail("t.test_b")], job_name="j")


async def page_token(client, path: str) -> str:
    """Open a page as a browser does: the cookie is set, the token is in the page."""
    page = await client.get(path, headers={"Accept": BROWSER})
    assert page.status == 200, await page.text()
    found = re.search(r'name="csrf-token" content="([0-9a-f]+)"', await page.text())
    assert found
    return found.group(1)


def origin(client) -> dict[str, str]:
    return {"Origin": str(client.make_url("")).rstrip("/")}


async def test_a_page_write_needs_the_token_and_our_origin(client, job):
    token = await page_token(client, f"/results/{job}")
    url = f"/ui/results/{job}/comments"
    form = {"test_name": "t.test_a", "comment": "hello"}
    no_token = await client.post(url, data=form, headers=origin(client))
    assert no_token.status == 403
    assert "token" in (await no_token.json())["detail"]
    wrong = await client.post(url, data={**form, "csrf_token": "0" * 64}, headers=origin(client))
    assert wrong.status == 403
    foreign = await client.post(
        url, data={**form, "csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403
    assert "cross-site" in (await foreign.json())["detail"]
    ok = await client.post(
        url,
        data={**form, "csrf_token": token},
        headers={**origin(client), "Accept": "application/json"},
    )
    assert ok.status == 200, await ok.text()
    assert isinstance((await ok.json())["id"], int)
    stored = await (await client.get(f"/results/{job}/comments")).json()
    assert [c["comment"] for c in stored["comments"]] == ["hello"]


async def test_a_plain_form_post_redirects_back(client, job):
    token = await page_token(client, f"/results/{job}")
    answer = await client.post(
        f"/ui/results/{job}/override",
        data={"test_name": "t.test_a", "classification": "INFRASTRUCTURE", "csrf_token": token},
        headers={**origin(client), "Accept": BROWSER},
        allow_redirects=False,
    )
    assert answer.status == 303
    assert answer.headers["Location"] == f"/results/{job}"


async def test_cross_site_cookie_writes_to_the_api_are_refused(client, job):
    headers = {"Origin": "https://evil.example", "Cookie": "jji_username=mallory"}
    forged = await client.post(
        f"/results/{job}/comments", json={"test_name": "t.test_a", "comment": "x"}, headers=headers
    )
    assert forged.status == 403
    # The jji CLI and curl send no Origin: unchanged.
    cli = await client.post(
        f"/results/{job}/comments",
        json={"test_name": "t.test_a", "comment": "x"},
        headers={"Cookie": "jji_username=alice"},
    )
    assert cli.status == 201
