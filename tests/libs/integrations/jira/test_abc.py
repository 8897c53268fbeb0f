"""Client logic over a replayed transport, gidgethub-style: no sockets."""

import json
from collections.abc import Mapping

import pytest

from verdict.integrations.jira.abc import JiraAPI
from verdict.integrations.jira.exceptions import JiraRateLimited, JiraServerError, JiraUnavailable
from verdict.integrations.jira.sansio import Auth, Flavor

Response = tuple[int, Mapping[str, str], bytes]


class Replay(JiraAPI):
    def __init__(self, responses: list[Response], flavor: Flavor = Flavor.CLOUD, **kwargs):
        auth = Auth(flavor, "tok", "a@x.io" if flavor is Flavor.CLOUD else "")
        super().__init__("https://jira.example.com", auth, **kwargs)
        self.responses = list(responses)
        self.sent: list[tuple[str, str, dict]] = []
        self.sleeps: list[float] = []

    async def _request(self, method, url, headers, body=b""):
        self.sent.append((method, url, json.loads(body) if body else {}))
        return self.responses.pop(0)

    async def sleep(self, seconds):
        self.sleeps.append(seconds)


def ok(data) -> Response:
    return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()


def issue(n: int) -> dict:
    return {"key": f"P-{n}", "fields": {"summary": f"issue {n}"}}


async def test_cloud_pagination_follows_tokens_until_limit():
    client = Replay(
        [
            ok({"issues": [issue(1), issue(2)], "nextPageToken": "t2", "isLast": False}),
            ok({"issues": [issue(3), issue(4)], "nextPageToken": "t3", "isLast": False}),
        ]
    )
    found = await client.search_issues("jql", limit=3)
    assert [i.key for i in found] == ["P-1", "P-2", "P-3"]
    assert [body.get("nextPageToken") for _, _, body in client.sent] == [None, "t2"]
    assert [body["maxResults"] for _, _, body in client.sent] == [3, 1]


async def test_server_pagination_by_start_at():
    client = Replay(
        [
            ok({"startAt": 0, "maxResults": 2, "total": 3, "issues": [issue(1), issue(2)]}),
            ok({"startAt": 2, "maxResults": 2, "total": 3, "issues": [issue(3)]}),
        ],
        Flavor.SERVER,
    )
    keys = [i.key async for i in client.iter_issues("jql", page_size=2)]
    assert keys == ["P-1", "P-2", "P-3"]
    assert [body["startAt"] for _, _, body in client.sent] == [0, 2]


async def test_empty_page_with_a_token_stops():
    client = Replay([ok({"issues": [], "nextPageToken": "again", "isLast": False})])
    assert await client.search_issues("jql") == []


async def test_429_then_success_waits_retry_after():
    client = Replay([(429, {"Retry-After": "3"}, b"{}"), ok({"displayName": "Bot"})])
    assert (await client.myself()).display_name == "Bot"
    assert client.sleeps == [3.0]


async def test_503_without_retry_after_backs_off_then_gives_up():
    client = Replay([(503, {}, b"")] * 4, max_retries=3, backoff_s=(0.5, 1.0))
    with pytest.raises(JiraUnavailable):
        await client.myself()
    assert client.sleeps == [0.5, 1.0, 1.0]
    assert len(client.sent) == 4


async def test_retry_after_beyond_the_cap_is_raised_not_slept():
    client = Replay([(429, {"Retry-After": "600"}, b"{}")], max_wait_s=30)
    with pytest.raises(JiraRateLimited) as info:
        await client.myself()
    assert info.value.retry_after == 600 and client.sleeps == []


async def test_500_is_not_retried():
    client = Replay([(500, {}, b"boom")])
    with pytest.raises(JiraServerError):
        await client.myself()
    assert client.sleeps == []


async def test_security_level_id_by_name_or_id():
    levels = ok(
        {"levels": [{"id": "10100", "name": "Internal"}, {"id": "10101", "name": "Public"}]}
    )
    client = Replay([levels, levels, levels])
    assert await client.security_level_id("PROJ", " internal ") == "10100"
    assert await client.security_level_id("PROJ", "10101") == "10101"
    assert await client.security_level_id("PROJ", "Secret") is None


async def test_cloud_projects_follow_pages():
    client = Replay(
        [
            ok({"startAt": 0, "isLast": False, "values": [{"key": "A", "name": "a"}]}),
            ok({"startAt": 1, "isLast": True, "values": [{"key": "B", "name": "b"}]}),
        ]
    )
    assert [p.key for p in await client.projects("x")] == ["A", "B"]
    assert client.sent[1][1].endswith("startAt=1&maxResults=50&query=x")
