"""The aiohttp client against the fake Jira, both flavors, over real sockets."""

import aiohttp
import pytest

from tests.fakes.jira import fake_issue
from verdict.integrations.jira import (
    Auth,
    Flavor,
    IssueDraft,
    JiraAPI,
    JiraBadRequest,
    JiraNotFound,
    JiraRateLimited,
    JiraUnauthorized,
    JiraUnavailable,
    JiraUnreachable,
    sansio,
)

FLAVORS = ["cloud", "server"]


def many(n: int) -> list[dict]:
    return [
        fake_issue(f"PROJ-{i}", f"Timeout in checkout step {i}", "gateway timeout")
        for i in range(1, n + 1)
    ]


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_pagination_across_pages(jira, flavor):
    async with jira(flavor, issues=many(7), page_cap=3) as (client, state):
        found = await client.search_issues('project = "PROJ" AND text ~ "timeout"', limit=50)
        assert sorted(i.key for i in found) == sorted(f"PROJ-{i}" for i in range(1, 8))
        assert state.search_count == 3  # pages of 3, 3, 1
        paths = {r.path for r in state.requests}
        assert paths == (
            {"/rest/api/3/search/jql"} if flavor == "cloud" else {"/rest/api/2/search"}
        )


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_limit_stops_early(jira, flavor):
    async with jira(flavor, issues=many(10), page_cap=4) as (client, state):
        found = await client.search_issues('text ~ "timeout"', limit=5)
        assert len(found) == 5 and state.search_count == 2


async def test_cloud_descriptions_arrive_as_adf_and_are_flattened(jira):
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "NPE in ", "marks": [{"type": "strong"}]},
                    {"type": "text", "text": "Login"},
                ],
            },
            {
                "type": "codeBlock",
                "content": [{"type": "text", "text": "at com.acme.Login.run(Login.java:42)"}],
            },
        ],
    }
    issue = fake_issue("PROJ-1", "Login NPE", description_adf=adf)
    async with jira("cloud", issues=[issue]) as (client, _):
        (found,) = await client.search_issues('summary ~ "login"')
        assert found.description == "NPE in Login\n\nat com.acme.Login.run(Login.java:42)"


async def test_server_descriptions_are_plain_strings(jira):
    async with jira("server", issues=[fake_issue("PROJ-1", "Login NPE", "line one\nline two")]) as (
        client,
        _,
    ):
        (found,) = await client.search_issues('summary ~ "login"')
        assert found.description == "line one\nline two"


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_wrong_credentials_are_a_typed_401(jira, flavor):
    bad = (
        Auth(Flavor.CLOUD, "nope", "bot@example.com")
        if flavor == "cloud"
        else Auth(Flavor.SERVER, "nope")
    )
    async with jira(flavor, auth=bad) as (client, _):
        with pytest.raises(JiraUnauthorized) as info:
            await client.myself()
        assert info.value.jira_status == 401


async def test_fail_auth_rejects_even_good_credentials(jira):
    async with jira("cloud", fail_auth=True) as (client, _):
        with pytest.raises(JiraUnauthorized):
            await client.search_issues('text ~ "x"')


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_429_with_retry_after_is_honoured(jira, flavor):
    async with jira(flavor, issues=many(2), rate_limit_first=2, retry_after="2") as (client, state):
        found = await client.search_issues('text ~ "timeout"')
        assert len(found) == 2
        assert client.sleeps == [2.0, 2.0]
        assert state.request_count == 3


async def test_429_real_wait_between_attempts():
    """The stock adapter really sleeps for Retry-After seconds."""
    from tests.fakes.jira import CLOUD_EMAIL, STATE, TOKEN, make_fake_jira, serve

    app = make_fake_jira("cloud", rate_limit_first=1, retry_after="1")
    async with serve(app) as url, aiohttp.ClientSession() as session:
        client = JiraAPI(session, url, Auth(Flavor.CLOUD, TOKEN, CLOUD_EMAIL))
        assert (await client.myself()).display_name == "Verdict Bot"
    first, second = app[STATE].requests
    assert second.at - first.at >= 0.95


async def test_rate_limit_outlasting_retries_raises(jira):
    async with jira("cloud", rate_limit_first=10, retry_after="1") as (client, state):
        with pytest.raises(JiraRateLimited) as info:
            await client.myself()
        assert info.value.retry_after == 1.0
        assert state.request_count == 4  # first try + 3 retries


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_503_is_retried(jira, flavor):
    async with jira(flavor, unavailable_first=2, retry_after=None) as (client, state):
        me = await client.myself()
        assert me.display_name == "Verdict Bot"
        assert client.sleeps == [1.0, 2.0]  # backoff schedule, no Retry-After given
        assert state.request_count == 3


async def test_503_forever_gives_up(jira):
    async with jira("server", unavailable_first=99, retry_after="0") as (client, _):
        with pytest.raises(JiraUnavailable):
            await client.myself()


async def test_create_issue_cloud_sends_adf(jira):
    async with jira("cloud") as (client, state):
        level = await client.security_level_id("PROJ", "Internal")
        created = await client.create_issue(
            IssueDraft(
                "PROJ",
                "Login 500",
                'It breaks.\n\nTraceback (most recent call last):\n  File "a.py", line 1',
                priority="High",
                security_level_id=level,
            )
        )
        assert created.key == "PROJ-1" and created.self_url.endswith(
            f"/rest/api/3/issue/{created.id}"
        )
        (fields,) = state.created
        assert fields["description"]["type"] == "doc"
        assert [n["type"] for n in fields["description"]["content"]] == ["paragraph", "codeBlock"]
        assert fields["security"] == {"id": "10100"}
        # The new bug is searchable, and its ADF comes back as text.
        (found,) = await client.search_issues('summary ~ "\\"login 500\\""')
        assert found.description.startswith("It breaks.")


async def test_create_issue_server_sends_text(jira):
    async with jira("server", issues=[fake_issue("PROJ-4", "old")]) as (client, state):
        created = await client.create_issue(IssueDraft("PROJ", "Login 500", "It breaks."))
        assert created.key == "PROJ-5"
        assert state.created[0]["description"] == "It breaks."
        assert client.browse_url(created.key).endswith("/browse/PROJ-5")


async def test_create_issue_rejected_fields_are_flattened(jira):
    async with jira("cloud") as (client, _):
        with pytest.raises(JiraBadRequest) as info:
            await client.create_issue(IssueDraft("NOPE", "x", security_level_id="999"))
        assert "project: valid project is required" in info.value.detail
        assert "security: Security level is not valid." in info.value.detail


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_projects_filtered_by_query(jira, flavor):
    projects = [
        {"id": str(n), "key": k, "name": name}
        for n, (k, name) in enumerate(
            [("PROJ", "Platform"), ("OPS", "Operations"), ("PAY", "Payments")]
        )
    ]
    async with jira(flavor, projects=projects) as (client, _):
        assert [p.key for p in await client.projects("pa")] == ["PAY"]
        assert [p.key for p in await client.projects("")] == ["PROJ", "OPS", "PAY"]


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_security_levels_and_unknown_project(jira, flavor):
    async with jira(flavor) as (client, _):
        levels = await client.security_levels("PROJ")
        assert [(lv.id, lv.name) for lv in levels] == [("10100", "Internal"), ("10101", "Public")]
        with pytest.raises(JiraNotFound):
            await client.security_levels("NOPE")


async def test_myself_per_flavor(jira):
    async with jira("cloud") as (cloud, _):
        assert (await cloud.myself()).account == "5b10a2844c20165700ede21g"
    async with jira("server") as (server, _):
        me = await server.myself()
        assert (me.display_name, me.account) == ("Verdict Bot", "verdict")


async def test_unreachable_is_typed():
    async with aiohttp.ClientSession() as session:
        client = JiraAPI(session, "http://127.0.0.1:9", Auth(Flavor.SERVER, "pat"), timeout_s=2)
        with pytest.raises(JiraUnreachable):
            await client.myself()


async def test_old_cloud_search_endpoint_is_gone(jira):
    """Guards the fake: Cloud removed /rest/api/3/search, so must we."""
    async with jira("cloud") as (client, _):
        headers = sansio.headers(client.auth, has_body=True)
        status, _, _ = await client._request(
            "POST", f"{client.base_url}/rest/api/3/search", headers, b"{}"
        )
        assert status == 410
