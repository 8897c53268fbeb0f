"""A small real Jira for tests: an aiohttp app speaking both flavors' JSON.

Cloud: REST v3, Basic email:token, ADF descriptions, `POST /rest/api/3/search/jql`
paged by an opaque `nextPageToken` + `isLast` (the removed `/rest/api/3/search`
answers 410 as on Cloud). Server/DC: REST v2, Bearer PAT, plain-string descriptions,
`/rest/api/2/search` paged by `startAt` / `total`.

JQL is interpreted, simply: `project =`, `issuetype in (...)` / `=`, and any number
of `summary|description|text ~ "..."` clauses OR-ed together (the shape
verdict.jira_match builds). Text literals are unescaped as Jira does (JQL string,
then Lucene), and unescaped Lucene operators are a 400, so escaping bugs show up.

    app = make_fake_jira("cloud", issues=[fake_issue("PROJ-1", "Login fails")])
    async with serve(app) as base_url: ...
    app[STATE].jql_seen, app[STATE].request_count
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

CLOUD_EMAIL = "bot@example.com"
TOKEN = "jira-secret-token"
PAT = "jira-secret-pat"
LUCENE_SPECIAL = set('+-&|!(){}[]^~*?:\\/"')


def fake_issue(key: str, summary: str, description: str = "", **overrides: Any) -> dict[str, Any]:
    """A plain issue record; the fake renders it per flavor."""
    issue: dict[str, Any] = {
        "key": key,
        "id": str(10000 + int(key.rsplit("-", 1)[1])),
        "summary": summary,
        "description": description,
        "status": "Open",
        "status_category": "new",
        "priority": "Medium",
        "issue_type": "Bug",
        "updated": datetime(2025, 1, 15, 10, 0, tzinfo=UTC),
        "description_adf": None,  # a hand-written ADF tree overrides `description` on Cloud
    }
    issue.update(overrides)
    return issue


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float


@dataclass
class FakeJiraState:
    flavor: str
    issues: list[dict[str, Any]]
    projects: list[dict[str, str]]
    security_levels: dict[str, list[dict[str, str]]]
    latency_s: float = 0.0
    fail_auth: bool = False
    rate_limit_first: int = 0
    unavailable_first: int = 0
    retry_after: str | None = "1"
    page_cap: int = 100
    requests: list[Recorded] = field(default_factory=list)
    jql_seen: list[str] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)

    @property
    def request_count(self) -> int:
        return len(self.requests)

    @property
    def search_count(self) -> int:
        return len(self.jql_seen)


STATE = web.AppKey("fake_jira_state", FakeJiraState)
# The parsed JSON body, per request: concurrent requests must not read each other's.
BODY = web.RequestKey("fake_jira_body", object)


def make_fake_jira(
    flavor: str = "cloud",
    issues: Sequence[dict[str, Any]] = (),
    *,
    latency_s: float = 0.0,
    fail_auth: bool = False,
    rate_limit_first: int = 0,
    unavailable_first: int = 0,
    retry_after: str | None = "1",
    projects: Sequence[dict[str, str]] | None = None,
    security_levels: dict[str, list[dict[str, str]]] | None = None,
    page_cap: int = 100,
) -> web.Application:
    assert flavor in ("cloud", "server")
    if projects is None:
        keys = sorted({i["key"].rsplit("-", 1)[0] for i in issues} | {"PROJ"})
        projects = [
            {"id": str(10000 + n), "key": k, "name": f"{k} project"} for n, k in enumerate(keys)
        ]
    if security_levels is None:
        security_levels = {
            p["key"]: [
                {"id": "10100", "name": "Internal", "description": "Staff only"},
                {"id": "10101", "name": "Public", "description": ""},
            ]
            for p in projects
        }
    state = FakeJiraState(
        flavor=flavor,
        issues=[dict(i) for i in issues],
        projects=list(projects),
        security_levels=security_levels,
        latency_s=latency_s,
        fail_auth=fail_auth,
        rate_limit_first=rate_limit_first,
        unavailable_first=unavailable_first,
        retry_after=retry_after,
        page_cap=page_cap,
    )
    app = web.Application(middlewares=[_gatekeeper])
    app[STATE] = state
    v = "3" if flavor == "cloud" else "2"
    if flavor == "cloud":
        app.router.add_route("*", "/rest/api/3/search/jql", _search_cloud)
        app.router.add_route("*", "/rest/api/3/search", _search_removed)
        app.router.add_get("/rest/api/3/project/search", _project_search)
    else:
        app.router.add_route("*", "/rest/api/2/search", _search_server)
        app.router.add_get("/rest/api/2/project", _project_list)
    app.router.add_post(f"/rest/api/{v}/issue", _create_issue)
    app.router.add_get(f"/rest/api/{v}/project/{{key}}/securitylevel", _security_levels)
    app.router.add_get(f"/rest/api/{v}/myself", _myself)
    return app


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run the app on a free 127.0.0.1 port; yield its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


# --- middleware: record, delay, throttle, authenticate -----------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _errors(
    status: int, messages: Sequence[str] = (), errors: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"errorMessages": list(messages), "errors": errors or {}}, status=status
    )


@web.middleware
async def _gatekeeper(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    body: Any = None
    if request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            return _errors(400, ["Invalid request payload. Refer to the REST API documentation."])
    request[BODY] = body
    state.requests.append(
        Recorded(
            request.method,
            request.path,
            dict(request.query),
            body,
            dict(request.headers),
            time.monotonic(),
        )
    )
    n = len(state.requests)
    if state.latency_s:
        await asyncio.sleep(state.latency_s)
    retry = {"Retry-After": state.retry_after} if state.retry_after is not None else {}
    if n <= state.rate_limit_first:
        return web.json_response(
            {"errorMessages": ["Rate limit exceeded."], "errors": {}}, status=429, headers=retry
        )
    if n <= state.rate_limit_first + state.unavailable_first:
        return web.Response(status=503, text="Service Unavailable", headers=retry)
    if state.fail_auth or request.headers.get("Authorization") != _expected_auth(state.flavor):
        # Cloud answers a bare text body here, not Jira's JSON error shape.
        return web.Response(
            status=401, text="Client must be authenticated to access this resource."
        )
    return await handler(request)


def _expected_auth(flavor: str) -> str:
    if flavor == "cloud":
        return "Basic " + base64.b64encode(f"{CLOUD_EMAIL}:{TOKEN}".encode()).decode()
    return f"Bearer {PAT}"


# --- JQL -----------------------------------------------------------------------------

_Q = r'"(?:[^"\\]|\\.)*"'
_STR = re.compile(_Q)
_PROJECT = re.compile(rf"\bproject\s*=\s*({_Q}|\w+)", re.I)
_TYPES_IN = re.compile(rf"\bissuetype\s+in\s*\(((?:\s*(?:{_Q}|\w+)\s*,?)*)\)", re.I)
_TYPE_EQ = re.compile(rf"\bissuetype\s*=\s*({_Q}|\w+)", re.I)
_TEXT = re.compile(rf"\b(summary|description|text)\s*~\s*({_Q})", re.I)


class JQLError(ValueError):
    pass


def _literal(token: str) -> str:
    if token.startswith('"'):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def _lucene(text: str) -> str:
    """Validate a Lucene query the way Jira would reject it; return the searched text."""
    phrase = len(text) >= 2 and text.startswith('"') and text.endswith('"')
    inner = text[1:-1] if phrase else text
    out, i = [], 0
    while i < len(inner):
        c = inner[i]
        if c == "\\" and i + 1 < len(inner):
            out.append(inner[i + 1])
            i += 2
            continue
        if c == '"' or (not phrase and c in LUCENE_SPECIAL):
            raise JQLError(f"The text query '{text}' is not valid: unescaped {c!r}.")
        out.append(c)
        i += 1
    searched = "".join(out)
    if not phrase and re.search(r"\b(AND|OR|NOT)\b", searched):
        raise JQLError(f"The text query '{text}' uses an operator without operands.")
    return searched


def _interpret(jql: str) -> Callable[[dict[str, Any]], bool]:
    outside = _STR.sub('""', jql)
    if '"' in outside.replace('""', "") or outside.count("(") != outside.count(")"):
        raise JQLError("Error in the JQL Query: unbalanced quotes or parentheses.")
    project = _PROJECT.search(jql)
    want_project = _literal(project.group(1)) if project else None
    types: set[str] | None = None
    if m := _TYPES_IN.search(jql):
        types = {_literal(t).casefold() for t in re.findall(rf"{_Q}|\w+", m.group(1))}
    elif m := _TYPE_EQ.search(jql):
        types = {_literal(m.group(1)).casefold()}
    terms = [(f.casefold(), _lucene(_literal(lit)).casefold()) for f, lit in _TEXT.findall(jql)]

    def match(issue: dict[str, Any]) -> bool:
        if want_project and issue["key"].rsplit("-", 1)[0] != want_project:
            return False
        if types is not None and issue["issue_type"].casefold() not in types:
            return False
        if not terms:
            return True
        summary, description = issue["summary"].casefold(), issue["description"].casefold()
        for fld, term in terms:
            haystack = {"summary": summary, "description": description}.get(
                fld, f"{summary}\n{description}"
            )
            if " ".join(term.split()) in " ".join(haystack.split()):
                return True
        return False

    return match


def _find(state: FakeJiraState, jql: str) -> list[dict[str, Any]]:
    state.jql_seen.append(jql)
    match = _interpret(jql)
    found = [i for i in state.issues if match(i)]
    return sorted(found, key=lambda i: i["updated"], reverse=True)


# --- rendering ---------------------------------------------------------------------


def _adf(text: str) -> dict[str, Any]:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        inline: list[dict[str, Any]] = []
        for n, line in enumerate(block.split("\n")):
            if n:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append({"type": "text", "text": line})
        if inline:
            paragraphs.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": paragraphs}


def _render(
    request: web.Request, issue: dict[str, Any], fields: Sequence[str] | None
) -> dict[str, Any]:
    flavor = request.app[STATE].flavor
    v = "3" if flavor == "cloud" else "2"
    if flavor == "cloud":
        description: Any = issue.get("description_adf") or (
            _adf(issue["description"]) if issue["description"] else None
        )
    else:
        description = issue["description"] or None
    category_names = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
    all_fields = {
        "summary": issue["summary"],
        "description": description,
        "status": {
            "name": issue["status"],
            "statusCategory": {
                "key": issue["status_category"],
                "name": category_names.get(issue["status_category"], ""),
            },
        },
        "priority": {"name": issue["priority"], "id": "3"},
        "issuetype": {"name": issue["issue_type"], "id": "10004"},
        "updated": issue["updated"].strftime("%Y-%m-%dT%H:%M:%S.000%z"),
        "project": {"key": issue["key"].rsplit("-", 1)[0]},
    }
    wanted = (
        all_fields
        if not fields or "*all" in fields
        else {k: all_fields[k] for k in fields if k in all_fields}
    )
    origin = str(request.url.origin())
    return {
        "id": issue["id"],
        "key": issue["key"],
        "self": f"{origin}/rest/api/{v}/issue/{issue['id']}",
        "fields": wanted,
    }


def _search_args(request: web.Request, body: Any) -> dict[str, Any]:
    if request.method == "GET":
        q = request.query
        return {
            "jql": q.get("jql", ""),
            "fields": q.get("fields", "").split(",") if q.get("fields") else None,
            "maxResults": int(q.get("maxResults", 50)),
            "nextPageToken": q.get("nextPageToken"),
            "startAt": int(q.get("startAt", 0)),
        }
    return body if isinstance(body, dict) else {}


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


async def _search_cloud(request: web.Request) -> web.Response:
    state = request.app[STATE]
    args = _search_args(request, request[BODY])
    if request.method == "POST" and "startAt" in args:
        return _errors(
            400, ["Invalid request payload. Refer to the REST API documentation and try again."]
        )
    offset = 0
    if token := args.get("nextPageToken"):
        try:
            offset = int(base64.urlsafe_b64decode(token).decode().split(":")[1])
        except (ValueError, IndexError):
            return _errors(400, ["The provided next page token is invalid or expired."])
    try:
        found = _find(state, str(args.get("jql", "")))
    except JQLError as exc:
        return _errors(400, [str(exc)])
    size = max(1, min(int(args.get("maxResults") or 50), state.page_cap))
    page = found[offset : offset + size]
    body: dict[str, Any] = {
        "issues": [_render(request, i, args.get("fields")) for i in page],
        "isLast": offset + size >= len(found),
    }
    if not body["isLast"]:
        body["nextPageToken"] = _page_token(offset + size)
    return web.json_response(body)


async def _search_removed(request: web.Request) -> web.Response:
    return _errors(
        410,
        ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."],
    )


async def _search_server(request: web.Request) -> web.Response:
    state = request.app[STATE]
    args = _search_args(request, request[BODY])
    try:
        found = _find(state, str(args.get("jql", "")))
    except JQLError as exc:
        return _errors(400, [str(exc)])
    start = int(args.get("startAt") or 0)
    size = max(0, min(int(args.get("maxResults") or 50), state.page_cap))
    return web.json_response(
        {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": [
                _render(request, i, args.get("fields")) for i in found[start : start + size]
            ],
        }
    )


async def _create_issue(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = request[BODY]
    fields = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(fields, dict):
        return _errors(400, ["Invalid request payload."])
    errors: dict[str, str] = {}
    project = (fields.get("project") or {}).get("key")
    if project not in {p["key"] for p in state.projects}:
        errors["project"] = "valid project is required"
    if not fields.get("summary"):
        errors["summary"] = "You must specify a summary of the issue."
    if not (fields.get("issuetype") or {}).get("name"):
        errors["issuetype"] = "valid issue type is required"
    description = fields.get("description")
    if state.flavor == "cloud":
        if description is not None and not (
            isinstance(description, dict) and description.get("type") == "doc"
        ):
            errors["description"] = (
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            )
    elif description is not None and not isinstance(description, str):
        errors["description"] = "Operation value must be a string"
    security = fields.get("security")
    if security is not None:
        ids = {lv["id"] for lv in state.security_levels.get(str(project), [])}
        if not isinstance(security, dict) or security.get("id") not in ids:
            errors["security"] = "Security level is not valid."
    if errors:
        return _errors(400, [], errors)
    number = 1 + max(
        (
            int(i["key"].rsplit("-", 1)[1])
            for i in state.issues
            if i["key"].startswith(f"{project}-")
        ),
        default=0,
    )
    key = f"{project}-{number}"
    text = description if isinstance(description, str) else ""
    issue = fake_issue(
        key,
        fields["summary"],
        text,
        issue_type=fields["issuetype"]["name"],
        updated=datetime.now(UTC),
        description_adf=description if isinstance(description, dict) else None,
    )
    state.issues.append(issue)
    state.created.append(fields)
    v = "3" if state.flavor == "cloud" else "2"
    origin = str(request.url.origin())
    return web.json_response(
        {"id": issue["id"], "key": key, "self": f"{origin}/rest/api/{v}/issue/{issue['id']}"},
        status=201,
    )


def _matching_projects(state: FakeJiraState, query: str) -> list[dict[str, str]]:
    q = query.casefold()
    return [p for p in state.projects if q in p["key"].casefold() or q in p["name"].casefold()]


async def _project_search(request: web.Request) -> web.Response:
    state = request.app[STATE]
    found = _matching_projects(state, request.query.get("query", ""))
    start = int(request.query.get("startAt", 0))
    size = int(request.query.get("maxResults", 50))
    page = found[start : start + size]
    return web.json_response(
        {
            "self": str(request.url),
            "maxResults": size,
            "startAt": start,
            "total": len(found),
            "isLast": start + size >= len(found),
            "values": page,
        }
    )


async def _project_list(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].projects)


async def _security_levels(request: web.Request) -> web.Response:
    state = request.app[STATE]
    key = request.match_info["key"]
    if key not in {p["key"] for p in state.projects}:
        return _errors(404, [f"No project could be found with key '{key}'."])
    origin = str(request.url.origin())
    levels = [
        {"self": f"{origin}/rest/api/2/securitylevel/{lv['id']}", **lv}
        for lv in state.security_levels.get(key, [])
    ]
    return web.json_response({"levels": levels})


async def _myself(request: web.Request) -> web.Response:
    state = request.app[STATE]
    origin = str(request.url.origin())
    if state.flavor == "cloud":
        return web.json_response(
            {
                "self": f"{origin}/rest/api/3/user?accountId=5b10a2844c20165700ede21g",
                "accountId": "5b10a2844c20165700ede21g",
                "emailAddress": CLOUD_EMAIL,
                "displayName": "Verdict Bot",
                "active": True,
                "timeZone": "UTC",
            }
        )
    return web.json_response(
        {
            "self": f"{origin}/rest/api/2/user?username=verdict",
            "key": "JIRAUSER10100",
            "name": "verdict",
            "emailAddress": "verdict@example.com",
            "displayName": "Verdict Bot",
            "active": True,
        }
    )
