"""PRODUCT BUG groups get their existing Jira bugs: analyzer -> jira_enricher -> result."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from arq.worker import Worker
from pydantic import SecretStr

from services.jira_enricher.worker import worker_options as jira_options
from tests.fakes.jira import CLOUD_EMAIL, STATE, TOKEN, fake_issue, make_fake_jira, serve
from tests.waits import until_queued

BUG = {
    "test_name": "tests.api.test_login.test_admin_login",
    "error_message": "AssertionError: POST /api/login returned 500 Internal Server Error",
}
ISSUES = [
    fake_issue("PROJ-7", "POST /api/login returned 500 Internal Server Error for admin users"),
    fake_issue("PROJ-9", "Dark mode colours are wrong on the settings page"),
]


@contextlib.asynccontextmanager
async def jira_server(settings, **kwargs):
    app = make_fake_jira("cloud", ISSUES, **kwargs)
    async with serve(app) as url:
        settings.jira_url = url
        settings.jira_email = CLOUD_EMAIL
        settings.jira_api_token = SecretStr(TOKEN)
        settings.jira_project_key = "PROJ"
        yield app


async def run_jira_worker(settings) -> None:
    worker = Worker(
        **{**jira_options(settings), "burst": True, "poll_delay": 0.05, "handle_signals": False}
    )
    try:
        await worker.main()
    finally:
        await worker.close()


async def analyse(client, run_analyzer, settings, body) -> dict:
    post = asyncio.create_task(client.post("/analyze-failures", json=body))
    await until_queued(client)
    await run_analyzer()
    await asyncio.sleep(0.05)
    assert not post.done(), await post.result().text()  # still enriching: waits for Jira too
    await run_jira_worker(settings)
    response = await asyncio.wait_for(post, 20)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_matches_land_in_the_result_rows_and_xml(settings, client, run_analyzer, pg):
    async with jira_server(settings) as app:
        xml = (
            '<testsuite name="api"><testcase classname="tests.api.test_login" '
            f'name="test_admin_login"><failure message="{BUG["error_message"]}">trace'
            "</failure></testcase></testsuite>"
        )
        result = await analyse(
            client, run_analyzer, settings, {"raw_xml": xml, "enable_jira": True}
        )
        searches = app[STATE].search_count
    analysis = result["failures"][0]["analysis"]
    assert analysis["classification"] == "PRODUCT BUG"
    matches = analysis["product_bug_report"]["jira_matches"]
    assert [m["key"] for m in matches] == ["PROJ-7"]
    assert matches[0]["url"].endswith("/browse/PROJ-7") and 0 < matches[0]["score"] <= 1
    assert searches == 1
    assert "ai_jira_match_1_key" in result["enriched_xml"]
    assert "PROJ-7" in result["enriched_xml"]
    stored = await pg.fetchval("select product_bug_report from analyses")
    assert stored["jira_matches"][0]["key"] == "PROJ-7"
    phases = [p["phase"] for p in result["progress_log"]]
    assert phases[-2:] == ["enriching_jira", "saving"]


async def test_jira_down_still_completes_with_the_error_recorded(settings, client, run_analyzer):
    async with jira_server(settings, fail_auth=True):
        result = await analyse(
            client, run_analyzer, settings, {"failures": [BUG], "enable_jira": True}
        )
    assert result["status"] == "completed"
    assert "Jira search failed" in result["jira_error"]
    assert result["failures"][0]["analysis"]["product_bug_report"]["jira_matches"] == []


async def test_jira_off_by_default_completes_at_once(settings, client, run_analyzer):
    async with jira_server(settings) as app:
        post = asyncio.create_task(client.post("/analyze-failures", json={"failures": [BUG]}))
        await until_queued(client)
        await run_analyzer()
        response = await asyncio.wait_for(post, 10)
        assert response.status == 200
        assert app[STATE].search_count == 0


@pytest.mark.parametrize("field", ["jira_url", "tests_repo_url"])
async def test_urls_outside_the_allow_list_are_400(client, field):
    body = {"failures": [BUG], field: "http://169.254.169.254/latest/meta-data"}
    response = await client.post("/analyze-failures", json=body)
    assert response.status == 400
    assert "VERDICT_ALLOWED_HOSTS" in (await response.json())["detail"]


async def test_code_issues_get_their_tests_repo_github_issues(settings, client, run_analyzer, pg):
    from tests.fakes.github import STATE as GITHUB_STATE
    from tests.fakes.github import TOKEN as GITHUB_TOKEN
    from tests.fakes.github import fake_issue as github_issue
    from tests.fakes.github import make_fake_github

    app = make_fake_github(
        "acme/tests",
        [
            github_issue(12, "test_login fixture: KeyError 'admin_user' in conftest setup"),
            github_issue(13, "Docs: typo in README"),
        ],
    )
    async with serve(app) as url:
        settings.github_api_url = url
        settings.github_token = SecretStr(GITHUB_TOKEN)
        settings.allowed_hosts = ["127.0.0.1", "github.com"]
        body = {
            "tests_repo_url": "https://github.com/acme/tests.git:main",
            "failures": [
                {
                    "test_name": "tests.test_login.test_admin",
                    "error_message": "KeyError: 'admin_user'",
                    "stack_trace": 'File "tests/conftest.py", line 12, in admin_user\n'
                    "    return users['admin_user']\nKeyError: 'admin_user'",
                }
            ],
        }
        result = await analyse(client, run_analyzer, settings, body)
        searches = app[GITHUB_STATE].searches
    analysis = result["failures"][0]["analysis"]
    assert analysis["classification"] == "CODE ISSUE"
    assert "github_error" not in result, result["github_error"]
    matches = analysis["code_fix"]["tests_repo_matches"]
    assert [m["number"] for m in matches] == [12]
    assert matches[0]["status"] == "open" and matches[0]["url"]
    assert len(searches) == 1 and "repo:acme/tests" in searches[0]
    stored = await pg.fetchval("select code_fix from analyses")
    assert stored["tests_repo_matches"][0]["number"] == 12
