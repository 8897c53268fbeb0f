"""A person's path through the pages, in headless Chromium against the real stack."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.services.gateway.history_support import Fail, create_job

XSS = 'tests.t_<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@pytest.fixture
async def job(pg: Any) -> Any:
    return await create_job(
        pg,
        failures=[
            Fail("tests.api.test_login"),
            Fail("tests.api.test_logout"),
            Fail("tests.net.test_dns", "ConnectionError: DNS lookup failed", "INFRASTRUCTURE"),
            Fail(XSS, "ValueError: <b>not bold</b>", "PRODUCT BUG"),
        ],
        job_name="folder/nightly",
        build_number=41,
    )


async def api_json(live: str, path: str) -> Any:
    async with (
        aiohttp.ClientSession() as http,
        http.get(live + path, headers={"Accept": "application/json"}) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


async def test_dashboard_opens_the_report(page: Any, job: Any) -> None:
    await page.goto("/")
    row = page.get_by_role("link", name="folder/nightly #41")
    await row.wait_for()
    assert "4 analyses" not in await page.inner_text(".totals")  # one job, not four
    assert "1\nanalyses" in await page.inner_text(".totals")
    await row.click()
    await page.wait_for_url(f"**/results/{job}")
    assert await page.locator("details.group").count() == 3
    assert "folder/nightly #41" in await page.inner_text("h1")
    assert page.js_errors == []


async def test_xss_test_name_renders_as_text(page: Any, job: Any) -> None:
    await page.goto(f"/results/{job}")
    await page.locator("details.group").first.wait_for()
    assert await page.evaluate("window.__xss") is None
    tests = await page.inner_text("body")
    assert "<script>window.__xss = 1</script>" in tests  # shown, literally, as text
    assert "<b>not bold</b>" in tests
    assert await page.locator("b", has_text="not bold").count() == 0
    assert page.js_errors == []


async def test_toggle_reviewed_in_place_and_by_keyboard(page: Any, live: str, job: Any) -> None:
    await page.goto(f"/results/{job}")
    first = page.locator("details.group").first
    button = first.get_by_role("button", name="Mark reviewed")
    await button.click()
    await first.get_by_role("button", name="Reviewed ✓").wait_for()
    assert "reviewed" in (await first.get_attribute("class") or "")
    reviews = (await api_json(live, f"/results/{job}/comments"))["reviews"]
    assert {k for k, v in reviews.items() if v["reviewed"]} == {
        "tests.api.test_login",
        "tests.api.test_logout",
    }
    # j moves to the next group, r toggles it.
    await page.locator("body").click(position={"x": 5, "y": 5})
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    await page.keyboard.press("r")
    second = page.locator("details.group").nth(1)
    await second.get_by_role("button", name="Reviewed ✓").wait_for()
    reviews = (await api_json(live, f"/results/{job}/comments"))["reviews"]
    assert sum(1 for v in reviews.values() if v["reviewed"]) == 3
    # A reload shows the stored state.
    await page.reload()
    assert await page.locator("details.group.reviewed").count() == 2


async def test_comment_with_a_mention(page: Any, live: str, job: Any) -> None:
    await page.goto("/login")
    await page.get_by_label("Username").first.fill("alice")
    await page.get_by_role("button", name="Use this name").click()
    await page.wait_for_url(live + "/")
    assert "alice" in await page.inner_text("header")
    await page.goto(f"/results/{job}")
    card = page.locator("details.group").first
    await card.get_by_label("Add a comment as alice", exact=False).fill("seen on @bob's box <i>")
    await card.get_by_role("button", name="Comment").click()
    await card.locator(".comments li").first.wait_for()
    assert await card.locator(".comments .mention").inner_text() == "@bob"
    stored = (await api_json(live, f"/results/{job}/comments"))["comments"]
    assert [(c["username"], c["comment"]) for c in stored] == [("alice", "seen on @bob's box <i>")]
    await page.reload()
    assert "seen on @bob's box <i>" in await page.locator("details.group").first.inner_text()


async def test_override_classification(page: Any, live: str, job: Any) -> None:
    await page.goto(f"/results/{job}")
    card = page.locator("details.group").first
    await card.get_by_label("Classification").select_option("PRODUCT BUG")
    await card.get_by_role("button", name="Override").click()
    await card.locator("summary .badge", has_text="PRODUCT BUG").wait_for()
    result = (await api_json(live, f"/results/{job}"))["result"]
    classes = {f["test_name"]: f["analysis"]["classification"] for f in result["failures"]}
    assert classes["tests.api.test_login"] == classes["tests.api.test_logout"] == "PRODUCT BUG"
    assert classes["tests.net.test_dns"] == "INFRASTRUCTURE"
    await page.reload()
    assert "human" in await page.locator("details.group .source").first.inner_text()


async def test_forms_work_without_javascript(browser: Any, live: str, job: Any) -> None:
    context = await browser.new_context(base_url=live, java_script_enabled=False)
    try:
        tab = await context.new_page()
        await tab.goto(f"/results/{job}")
        await tab.locator("details.group").first.get_by_role("button", name="Mark reviewed").click()
        await tab.wait_for_url(f"**/results/{job}*")
        assert "Marked reviewed." in await tab.inner_text(".flash")
        assert await tab.locator("details.group.reviewed").count() == 1
    finally:
        await context.close()


async def test_queued_job_status_page_turns_into_its_report(
    page: Any, live: str, run_analyzer: Any
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            live + "/analyze-failures?wait=false",
            json={"failures": [{"test_name": "t.q", "error_message": "TimeoutError: slow"}]},
        ) as response,
    ):
        assert response.status == 202, await response.text()
        job_id = (await response.json())["job_id"]
    await page.goto(f"/results/{job_id}")
    await page.wait_for_url(f"**/status/{job_id}")
    assert (await page.inner_text("#state")).strip() in ("pending", "running")
    await run_analyzer()
    await page.wait_for_url(f"**/results/{job_id}", timeout=30_000)
    await page.locator("details.group").first.wait_for()
    assert "t.q" in await page.inner_text("main")
    assert page.js_errors == []
