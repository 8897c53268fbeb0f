"""Issue preview and creation, and the tracker helpers, end to end.

gateway -> tracker queue -> real tracker worker -> fake GitHub / fake Jira servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import RunWorker
from tests.fakes import github as fake_gh
from tests.fakes import jira as fake_jira
from tests.services.tracker.fixtures import completed_job, tracker_worker
from verdict.settings import Settings

__all__ = ["tracker_worker"]

TEST = "tests.api.test_login.test_admin_login"
REPO = "https://github.com/acme/tests"
GH = {"github_repo_url": REPO, "github_token": fake_gh.TOKEN}
JIRA = {"jira_token": fake_jira.TOKEN, "jira_email": fake_jira.CLOUD_EMAIL}
ALICE = {"Cookie": "jji_username=alice"}


@pytest.fixture
async def github_app() -> AsyncIterator[tuple[web.Application, str]]:
    app = fake_gh.make_fake_github(
        issues=[fake_gh.fake_issue(42, "test_admin_login returns 500", "seen in CI")],
        pulls={7: {"merged": True}},
    )
    async with fake_jira.serve(app) as url:
        yield app, url


@pytest.fixture
async def jira_app() -> AsyncIterator[tuple[web.Application, str]]:
    app = fake_jira.make_fake_jira(
        "cloud",
        issues=[
            fake_jira.fake_issue("PROJ-3", "test_admin_login fails with 500", status="In Progress")
        ],
    )
    async with fake_jira.serve(app) as url:
        yield app, url


@pytest.fixture
def settings(
    base_settings: Settings,
    github_app: tuple[web.Application, str],
    jira_app: tuple[web.Application, str],
) -> Settings:
    return base_settings.model_copy(
        update={
            "github_api_url": github_app[1],
            "jira_url": jira_app[1],
            "jira_project_key": "PROJ",
            "public_base_url": "https://verdict.example.com",
            "encryption_key": __import__("pydantic").SecretStr(
                "test-encryption-key-0123456789abcdef"
            ),
            "tracker_call_timeout_s": 10.0,
        }
    )


@pytest.fixture
async def job(client: Any, run_analyzer: RunWorker, tracker_worker: Any) -> str:
    return await completed_job(client, run_analyzer)


# --- preview ----------------------------------------------------------------------


async def test_preview_github_issue(client, job, github_app):
    response = await client.post(
        f"/results/{job}/preview-github-issue",
        json={"test_name": TEST, "include_links": True, **GH},
    )
    assert response.status == 200, await response.text()
    preview = await response.json()
    assert "test_admin_login" in preview["title"]
    body = preview["body"]
    assert f"`{TEST}`" in body and "## Error" in body
    assert "AssertionError: expected 200 got 500" in body
    assert f"https://verdict.example.com/results/{job}" in body
    assert preview["similar_issues"] == [
        {
            "number": 42,
            "key": "",
            "title": "test_admin_login returns 500",
            "url": "https://github.com/acme/tests/issues/42",
            "status": "open",
        }
    ]
    # The search went to the configured API with the request's token.
    searches = github_app[0][fake_gh.STATE].searches
    assert searches and searches[0].startswith("repo:acme/tests is:issue")


async def test_preview_without_links_or_token(client, job, github_app):
    response = await client.post(f"/results/{job}/preview-github-issue", json={"test_name": TEST})
    assert response.status == 200, await response.text()
    preview = await response.json()
    assert "verdict.example.com" not in preview["body"]
    assert preview["similar_issues"] == []
    assert github_app[0][fake_gh.STATE].requests == []


async def test_preview_shows_the_override(client, job):
    override = await client.put(
        f"/results/{job}/override-classification",
        json={"test_name": TEST, "classification": "INFRASTRUCTURE"},
        headers=ALICE,
    )
    assert override.status == 200, await override.text()
    response = await client.post(f"/results/{job}/preview-jira-bug", json={"test_name": TEST})
    assert response.status == 200
    assert "Classification: INFRASTRUCTURE" in (await response.json())["body"]


async def test_preview_jira_bug_finds_duplicates(client, job):
    response = await client.post(
        f"/results/{job}/preview-jira-bug", json={"test_name": TEST, **JIRA}
    )
    assert response.status == 200, await response.text()
    preview = await response.json()
    assert "Failure:" in preview["body"] and "## " not in preview["body"]
    assert [(s["key"], s["status"]) for s in preview["similar_issues"]] == [
        ("PROJ-3", "In Progress")
    ]
    assert preview["similar_issues"][0]["url"].endswith("/browse/PROJ-3")


async def test_preview_status_codes(client, job, settings, run_analyzer, pg):
    url = f"/results/{job}/preview-github-issue"
    unknown = await client.post(url, json={"test_name": "no.such.test"})
    assert unknown.status == 404
    assert (
        await client.post(
            "/results/00000000-0000-0000-0000-000000000000/preview-github-issue",
            json={"test_name": TEST},
        )
    ).status == 404
    scope = await client.post(url, json={"test_name": TEST, "child_build_number": 3})
    assert scope.status == 400
    bad_repo = await client.post(url, json={"test_name": TEST, "github_repo_url": "nope"})
    assert bad_repo.status == 400
    assert (await client.post(url, json={})).status == 422

    pending = await client.post(
        "/analyze-failures?wait=false",
        json={"failures": [{"test_name": "t.x", "error_message": "boom"}]},
    )
    pending_id = (await pending.json())["job_id"]
    waiting = await client.post(
        f"/results/{pending_id}/preview-github-issue", json={"test_name": "t.x"}
    )
    assert waiting.status == 202
    assert (await waiting.json())["status"] == "pending"
    await pg.execute("update jobs set status = 'failed' where id = $1::uuid", pending_id)
    failed = await client.post(
        f"/results/{pending_id}/preview-github-issue", json={"test_name": "t.x"}
    )
    assert failed.status == 409

    settings.github_issues_enabled = False
    assert (await client.post(url, json={"test_name": TEST})).status == 403
    settings.jira_issues_enabled = False
    jira = await client.post(f"/results/{job}/preview-jira-bug", json={"test_name": TEST})
    assert jira.status == 403


# --- create -----------------------------------------------------------------------


async def test_create_github_issue_links_back(client, job, github_app):
    response = await client.post(
        f"/results/{job}/create-github-issue",
        json={"test_name": TEST, "title": "Admin login fails", "body": "## Failure\nboom", **GH},
        headers=ALICE,
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["number"] == 101 and created["key"] == ""
    assert created["url"] == "https://github.com/acme/tests/issues/101"
    assert created["title"] == "Admin login fails"
    assert created["comment_id"] > 0

    sent = github_app[0][fake_gh.STATE].created[0]
    assert sent["body"].startswith("## Failure\nboom")
    assert "Reported by alice via Verdict" in sent["body"]
    assert "verdict" in sent["labels"]

    comments = await (await client.get(f"/results/{job}/comments")).json()
    linked = [c for c in comments["comments"] if c["id"] == created["comment_id"]]
    assert linked[0]["comment"] == f"GitHub issue created: {created['url']}"
    assert linked[0]["username"] == "alice" and linked[0]["test_name"] == TEST


async def test_create_github_issue_without_username_adds_no_comment(client, job, github_app, pg):
    response = await client.post(
        f"/results/{job}/create-github-issue",
        json={"test_name": TEST, "title": "t", "body": "b", **GH},
    )
    assert response.status == 201
    assert (await response.json())["comment_id"] == 0
    assert "Reported by" not in github_app[0][fake_gh.STATE].created[0]["body"]
    assert await pg.fetchval("select count(*) from comments") == 0


async def test_create_github_issue_errors(client, job, github_app):
    url = f"/results/{job}/create-github-issue"
    base = {"test_name": TEST, "title": "t", "body": "b", "github_repo_url": REPO}
    assert (await client.post(url, json=base)).status == 400  # no token anywhere
    blank = await client.post(url, json={**base, "title": "  ", "github_token": fake_gh.TOKEN})
    assert blank.status == 422
    bad = await client.post(url, json={**base, "github_token": "ghp_wrong"})
    assert bad.status == 401
    assert "GitHub rejected the token" in (await bad.json())["detail"]
    other = await client.post(
        url, json={**base, "github_token": fake_gh.TOKEN, "github_repo_url": REPO + "-other"}
    )
    assert other.status == 502
    github_app[0][fake_gh.STATE].fail_first = len(github_app[0][fake_gh.STATE].requests) + 1
    broken = await client.post(url, json={**base, "github_token": fake_gh.TOKEN})
    assert broken.status == 502


async def test_create_jira_bug_with_security_level(client, job, jira_app):
    response = await client.post(
        f"/results/{job}/create-jira-bug",
        json={
            "test_name": TEST,
            "title": "Admin login fails with HTTP 500",
            "body": "Failure observed in CI.\n\nTraceback (most recent call last):\n  x",
            "jira_security_level": "Internal",
            **JIRA,
        },
        headers=ALICE,
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["key"].startswith("PROJ-") and created["number"] == 0
    assert created["url"].endswith(f"/browse/{created['key']}")
    assert created["comment_id"] > 0
    posts = [r for r in jira_app[0][fake_jira.STATE].requests if r.method == "POST"]
    fields = next(r.body for r in posts if r.path.endswith("/issue"))["fields"]
    assert fields["security"] == {"id": "10100"}
    assert fields["issuetype"] == {"name": "Bug"}
    assert fields["description"]["type"] == "doc"  # ADF on Cloud (v3)
    assert "Reported by alice via Verdict" in str(fields["description"])


async def test_create_jira_bug_errors(client, job, settings):
    url = f"/results/{job}/create-jira-bug"
    base = {"test_name": TEST, "title": "t", "body": "b"}
    assert (await client.post(url, json=base)).status == 400  # no credentials
    bad = await client.post(url, json={**base, "jira_token": "wrong", "jira_email": "x@y.z"})
    assert bad.status == 401
    level = await client.post(url, json={**base, **JIRA, "jira_security_level": "Top Secret"})
    assert level.status == 400
    settings.jira_project_key = ""
    assert (await client.post(url, json={**base, **JIRA})).status == 400
    settings.jira_url = ""
    assert (await client.post(url, json={**base, **JIRA})).status == 400


# --- helpers ----------------------------------------------------------------------


async def test_jira_projects_and_security_levels(client, tracker_worker):
    projects = await client.post("/api/jira-projects", json={**JIRA, "query": "PRO"})
    assert projects.status == 200, await projects.text()
    assert {"key": "PROJ", "name": "PROJ project"} in await projects.json()
    server_only = await client.post("/api/jira-projects", json={})
    assert await server_only.json() == [{"key": "PROJ", "name": "PROJ"}]

    levels = await client.post("/api/jira-security-levels", json={**JIRA, "project_key": "PROJ"})
    assert [lv["name"] for lv in await levels.json()] == ["Internal", "Public"]
    swallowed = await client.post(
        "/api/jira-security-levels", json={"jira_token": "bad", "project_key": "PROJ"}
    )
    assert swallowed.status == 200 and await swallowed.json() == []
    missing = await client.post("/api/jira-security-levels", json={})
    assert missing.status == 422


async def test_validate_token(client, tracker_worker):
    good = await client.post(
        "/api/validate-token", json={"token_type": "github", "token": fake_gh.TOKEN}
    )
    assert await good.json() == {
        "valid": True,
        "username": fake_gh.LOGIN,
        "message": f"GitHub token valid for {fake_gh.LOGIN}",
    }
    bad = await client.post("/api/validate-token", json={"token_type": "github", "token": "nope"})
    assert bad.status == 200 and (await bad.json())["valid"] is False
    jira = await client.post(
        "/api/validate-token",
        json={"token_type": "jira", "token": fake_jira.TOKEN, "email": fake_jira.CLOUD_EMAIL},
    )
    assert (await jira.json())["valid"] is True
    empty = await client.post("/api/validate-token", json={"token_type": "jira", "token": ""})
    assert empty.status == 200 and (await empty.json())["valid"] is False
    wrong = await client.post("/api/validate-token", json={"token_type": "gitlab", "token": "x"})
    assert wrong.status == 422


async def test_enrich_comments(client, job, settings):
    settings.jira_api_token = __import__("pydantic").SecretStr(fake_jira.TOKEN)
    settings.jira_email = fake_jira.CLOUD_EMAIL
    added = []
    for text in (
        "Filed https://github.com/acme/tests/issues/42 and fixed in https://github.com/acme/tests/pull/7",
        "Tracked as PROJ-3",
        "nothing to see",
    ):
        response = await client.post(
            f"/results/{job}/comments", json={"test_name": TEST, "comment": text}, headers=ALICE
        )
        added.append((await response.json())["id"])
    response = await client.post(f"/results/{job}/enrich-comments")
    assert response.status == 200, await response.text()
    enrichments = (await response.json())["enrichments"]
    assert enrichments[str(added[0])] == [
        {"type": "github_issue", "key": "acme/tests#42", "status": "open"},
        {"type": "github_pr", "key": "acme/tests#7", "status": "merged"},
    ]
    assert enrichments[str(added[1])] == [
        {"type": "jira", "key": "PROJ-3", "status": "In Progress"}
    ]
    assert str(added[2]) not in enrichments


async def test_no_worker_answers_502(client, run_analyzer, settings):
    settings.tracker_call_timeout_s = 0.3
    job_id = await completed_job(client, run_analyzer)
    response = await client.post(
        f"/results/{job_id}/preview-github-issue", json={"test_name": TEST}
    )
    assert response.status == 502
    assert "did not answer within 0.3 s" in (await response.json())["detail"]


async def test_preview_written_by_the_configured_ai(client, job, settings):
    from pydantic import SecretStr

    from tests.fakes.llm import FakeLLM, Reply, openai_app, start

    text = '{"title": "Admin login answers 500", "body": "## Summary\\nThe auth handler fails."}'
    fake = FakeLLM(Reply(text=text))
    server = await start(openai_app(fake))
    try:
        settings.openai_base_url = str(server.make_url("/v1"))
        settings.openai_api_key = SecretStr("sk-test")
        body = {"test_name": TEST, "ai_provider": "openai", "ai_model": "gpt-test"}
        preview = await (
            await client.post(f"/results/{job}/preview-github-issue", json=body)
        ).json()
        assert preview["title"] == "Admin login answers 500"
        assert preview["body"].startswith("## Summary")
        # The AI saw the template's facts as data.
        assert "AssertionError: expected 200 got 500" in fake.prompts()[0]

        fake.script(Reply(text="no json here"))
        fallback = await (await client.post(f"/results/{job}/preview-jira-bug", json=body)).json()
        assert "test_admin_login" in fallback["title"]  # the template, not an error
    finally:
        await server.close()
