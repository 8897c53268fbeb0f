"""Pure request building and response decoding, fed recorded-style Jira JSON."""

import base64
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from verdict.integrations.jira import sansio
from verdict.integrations.jira.exceptions import (
    JiraBadRequest,
    JiraError,
    JiraNotFound,
    JiraRateLimited,
    JiraServerError,
    JiraUnauthorized,
    JiraUnavailable,
)
from verdict.integrations.jira.models import IssueDraft
from verdict.integrations.jira.sansio import Auth, Flavor

CLOUD = Auth(Flavor.CLOUD, "tok", "alice@example.com")
SERVER = Auth(Flavor.SERVER, "pat")
BASE = "https://jira.example.com/"

# Shaped like a real /rest/api/3/search/jql answer (trimmed).
CLOUD_PAGE = {
    "issues": [
        {
            "expand": "renderedFields",
            "id": "10068",
            "self": "https://acme.atlassian.net/rest/api/3/issue/10068",
            "key": "PROJ-68",
            "fields": {
                "summary": "Login API returns 500 when user is missing",
                "description": {
                    "type": "doc",
                    "version": 1,
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [{"type": "text", "text": "NoneType has no attribute id"}],
                        }
                    ],
                },
                "status": {
                    "name": "In Progress",
                    "id": "3",
                    "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
                },
                "priority": {"name": "High", "id": "2"},
                "issuetype": {"name": "Bug", "id": "10004"},
                "updated": "2025-03-04T09:10:11.123+0000",
            },
        }
    ],
    "nextPageToken": "CAEaAggD",
    "isLast": False,
}


def test_auth_headers_per_flavor():
    cloud = sansio.headers(CLOUD)
    assert cloud["Authorization"] == "Basic " + base64.b64encode(b"alice@example.com:tok").decode()
    assert cloud["Accept"] == "application/json"
    assert "Content-Type" not in cloud
    assert sansio.headers(SERVER, has_body=True)["Authorization"] == "Bearer pat"
    assert sansio.headers(SERVER, has_body=True)["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        sansio.headers(Auth(Flavor.CLOUD, "tok"))


def test_auth_repr_hides_the_token():
    assert "tok" not in repr(CLOUD).replace("token", "")


@pytest.mark.parametrize(
    ("token", "email", "pat", "expected"),
    [
        ("tok", "a@x.io", "", Auth(Flavor.CLOUD, "tok", "a@x.io")),
        ("tok", "", "", Auth(Flavor.SERVER, "tok")),
        ("", "", "pat", Auth(Flavor.SERVER, "pat")),
        ("tok", "a@x.io", "pat", Auth(Flavor.CLOUD, "tok", "a@x.io")),
    ],
)
def test_auth_for_picks_the_flavor(token, email, pat, expected):
    assert sansio.auth_for(token, email, pat) == expected


def test_auth_for_without_a_token():
    with pytest.raises(ValueError):
        sansio.auth_for("", "a@x.io")


def test_search_request_cloud_uses_search_jql_with_page_token():
    first = sansio.search(CLOUD, BASE, "project = X", ["summary"], 20)
    assert (first.method, first.url) == ("POST", "https://jira.example.com/rest/api/3/search/jql")
    assert json.loads(first.body) == {"jql": "project = X", "fields": ["summary"], "maxResults": 20}
    nxt = sansio.search(CLOUD, BASE, "project = X", ["summary"], 20, page="CAEaAggD")
    assert json.loads(nxt.body)["nextPageToken"] == "CAEaAggD"
    assert "startAt" not in json.loads(nxt.body)  # Cloud rejects startAt on search/jql


def test_search_request_server_uses_v2_start_at():
    req = sansio.search(SERVER, BASE, "text ~ x", max_results=10, page=40)
    assert req.url == "https://jira.example.com/rest/api/2/search"
    body = json.loads(req.body)
    assert (body["startAt"], body["maxResults"]) == (40, 10)
    assert body["fields"] == list(sansio.DEFAULT_FIELDS)


def test_decode_search_cloud_flattens_adf_and_reads_the_token():
    page = sansio.decode_search(Flavor.CLOUD, CLOUD_PAGE)
    assert page.next_page == "CAEaAggD"
    (issue,) = page.issues
    assert issue.key == "PROJ-68" and issue.id == "10068"
    assert issue.description == "NoneType has no attribute id"
    assert (issue.status, issue.status_category, issue.is_open) == (
        "In Progress",
        "indeterminate",
        True,
    )
    assert (issue.priority, issue.issue_type) == ("High", "Bug")
    assert issue.updated == datetime(2025, 3, 4, 9, 10, 11, 123000, tzinfo=UTC)


@pytest.mark.parametrize("last", [{"isLast": True, "nextPageToken": "x"}, {"isLast": True}, {}])
def test_decode_search_cloud_last_page(last):
    assert sansio.decode_search(Flavor.CLOUD, {"issues": [], **last}).next_page is None


@pytest.mark.parametrize(
    ("start", "count", "total", "expected"),
    [(0, 50, 120, 50), (100, 20, 120, None), (0, 0, 5, None)],
)
def test_decode_search_server_pages_by_total(start, count, total, expected):
    issue = {
        "key": "P-1",
        "fields": {
            "summary": "s",
            "description": "plain",
            "status": {"name": "Closed", "statusCategory": {"key": "done"}},
        },
    }
    data = {"startAt": start, "maxResults": 50, "total": total, "issues": [issue] * count}
    page = sansio.decode_search(Flavor.SERVER, data)
    assert page.next_page == expected
    if count:
        assert page.issues[0].description == "plain"
        assert not page.issues[0].is_open


def test_create_issue_cloud_body_is_adf_with_security_and_priority():
    draft = IssueDraft(
        "PROJ",
        "Login 500",
        'Broken.\n\nTraceback (most recent call last):\n  File "a.py", line 1',
        priority="High",
        security_level_id="10100",
        labels=("verdict", "auto filed"),
    )
    req = sansio.create_issue(CLOUD, BASE, draft)
    assert req.url.endswith("/rest/api/3/issue")
    fields = json.loads(req.body)["fields"]
    assert fields["project"] == {"key": "PROJ"}
    assert fields["issuetype"] == {"name": "Bug"}
    assert fields["priority"] == {"name": "High"}
    assert fields["security"] == {"id": "10100"}
    assert fields["labels"] == ["verdict", "auto-filed"]
    assert fields["description"]["type"] == "doc"
    assert [n["type"] for n in fields["description"]["content"]] == ["paragraph", "codeBlock"]


def test_create_issue_server_body_is_text_and_summary_is_capped():
    req = sansio.create_issue(SERVER, BASE, IssueDraft("PROJ", "x" * 300, "plain words"))
    fields = json.loads(req.body)["fields"]
    assert req.url.endswith("/rest/api/2/issue")
    assert fields["description"] == "plain words"
    assert len(fields["summary"]) == 255
    assert "security" not in fields and "priority" not in fields


def test_project_and_security_level_and_myself_requests():
    assert sansio.projects(CLOUD, BASE, "pro j").url == (
        "https://jira.example.com/rest/api/3/project/search?startAt=0&maxResults=50&query=pro+j"
    )
    assert (
        sansio.projects(SERVER, BASE, "proj").url == "https://jira.example.com/rest/api/2/project"
    )
    assert sansio.security_levels(SERVER, BASE, "A/B").url.endswith(
        "/rest/api/2/project/A%2FB/securitylevel"
    )
    assert sansio.myself(CLOUD, BASE).url == "https://jira.example.com/rest/api/3/myself"


def test_decode_projects():
    cloud = {
        "startAt": 0,
        "maxResults": 2,
        "total": 3,
        "isLast": False,
        "values": [
            {"id": "1", "key": "A", "name": "Alpha"},
            {"id": "2", "key": "B", "name": "Beta"},
        ],
    }
    found, nxt = sansio.decode_projects(Flavor.CLOUD, cloud, "x")
    assert [p.key for p in found] == ["A", "B"] and nxt == 2  # Cloud filtered server-side
    server = [
        {"id": "1", "key": "PROJ", "name": "Platform"},
        {"id": "2", "key": "OPS", "name": "Operations"},
    ]
    assert sansio.decode_projects(Flavor.SERVER, server, "plat") == (
        [sansio.Project("PROJ", "Platform", "1")],
        None,
    )


def test_decode_security_levels_and_myself():
    levels = sansio.decode_security_levels(
        {"levels": [{"self": "u", "id": "10100", "name": "Internal", "description": "Staff"}]}
    )
    assert levels == [sansio.SecurityLevel("10100", "Internal", "Staff")]
    assert sansio.decode_security_levels({}) == []
    me = sansio.decode_myself(
        Flavor.CLOUD, {"accountId": "abc", "displayName": "Alice", "emailAddress": "a@x"}
    )
    assert (me.display_name, me.account) == ("Alice", "abc")
    assert (
        sansio.decode_myself(Flavor.SERVER, {"name": "alice", "displayName": "Alice A"}).account
        == "alice"
    )


def test_decipher_success_and_empty_body():
    assert sansio.decipher(200, {}, b'{"a": 1}') == {"a": 1}
    assert sansio.decipher(204, {}, b"") is None


@pytest.mark.parametrize(
    ("status", "exc"),
    [
        (401, JiraUnauthorized),
        (403, JiraUnauthorized),
        (404, JiraNotFound),
        (400, JiraBadRequest),
        (429, JiraRateLimited),
        (500, JiraServerError),
        (503, JiraUnavailable),
        (302, JiraError),
    ],
)
def test_decipher_maps_statuses(status, exc):
    with pytest.raises(exc) as info:
        sansio.decipher(status, {}, b"")
    assert type(info.value) is exc
    assert info.value.jira_status == status


def test_decipher_flattens_jira_errors():
    body = json.dumps(
        {
            "errorMessages": ["Field invalid"],
            "errors": {"priority": "Priority name 'P9' is not valid", "summary": "too long"},
        }
    ).encode()
    with pytest.raises(JiraBadRequest) as info:
        sansio.decipher(400, {}, body)
    assert info.value.detail == (
        "Jira rejected the request: Field invalid; "
        "priority: Priority name 'P9' is not valid; summary: too long"
    )
    assert info.value.status == 502 and info.value.error_code == "JIRA_BAD_REQUEST"


def test_decipher_unauthorized_html_body_and_contract_status():
    with pytest.raises(JiraUnauthorized) as info:
        sansio.decipher(401, {}, b"Client must be authenticated to access this resource.")
    assert "Client must be authenticated" in info.value.detail
    assert info.value.status == 401  # create-jira-bug: "401 Jira token invalid or expired"


def test_retry_after_seconds_date_and_case():
    with pytest.raises(JiraRateLimited) as info:
        sansio.decipher(429, {"retry-after": "7"}, b"{}")
    assert info.value.retry_after == 7.0 and info.value.retryable
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (sansio.retry_after({"Retry-After": when}) or 0) <= 30
    assert sansio.retry_after({"Retry-After": "soon"}) is None
    assert sansio.retry_after({}) is None
    assert not JiraServerError("x", jira_status=500).retryable


def test_browse_url():
    assert (
        sansio.browse_url("https://jira.example.com/ctx/", "PROJ-1")
        == "https://jira.example.com/ctx/browse/PROJ-1"
    )
