"""A small real GitHub REST API for tests: search, issues, pulls, the token's user.

Speaks GitHub's wire format: Bearer/token auth (401 `Bad credentials`), JSON bodies,
`X-RateLimit-Limit/Remaining/Reset` on every answer, 403 with remaining 0 when the
quota is spent, and 403 + Retry-After for a secondary rate limit.

    app = make_fake_github(issues=[fake_issue(42, "test_login fails")])
    async with serve(app) as api_url: ...   # serve() from tests.fakes.jira
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "ghp_fake_token"
LOGIN = "octo-bot"


def fake_issue(number: int, title: str, body: str = "", **extra: Any) -> dict[str, Any]:
    return {"number": number, "title": title, "body": body, "state": "open", **extra}


@dataclass
class FakeGitHubState:
    repo: str
    issues: list[dict[str, Any]]
    pulls: dict[int, dict[str, Any]]
    rate_limit: int = 5000
    remaining: int = 5000
    secondary_limit_first: int = 0
    fail_first: int = 0
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)


STATE = web.AppKey("fake_github_state", FakeGitHubState)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_fake_github(
    repo: str = "acme/tests",
    issues: list[dict[str, Any]] | None = None,
    pulls: dict[int, dict[str, Any]] | None = None,
    **options: Any,
) -> web.Application:
    state = FakeGitHubState(repo, list(issues or []), dict(pulls or {}), **options)
    app = web.Application(middlewares=[_gatekeeper])
    app[STATE] = state
    app.router.add_get("/user", _user)
    app.router.add_get("/search/issues", _search)
    app.router.add_post("/repos/{owner}/{repo}/issues", _create)
    app.router.add_get("/repos/{owner}/{repo}/issues/{number}", _issue)
    app.router.add_get("/repos/{owner}/{repo}/pulls/{number}", _pull)
    return app


def _limits(state: FakeGitHubState) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(state.rate_limit),
        "X-RateLimit-Remaining": str(max(0, state.remaining)),
        "X-RateLimit-Reset": str(int(time.time()) + 3600),
        "X-RateLimit-Used": str(state.rate_limit - max(0, state.remaining)),
    }


@web.middleware
async def _gatekeeper(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    body = await request.json() if request.can_read_body else None
    state.requests.append((request.method, request.path_qs, dict(request.headers), body))
    n = len(state.requests)
    if n <= state.fail_first:
        return web.json_response({"message": "Server Error"}, status=502)
    if n <= state.fail_first + state.secondary_limit_first:
        return web.json_response(
            {"message": "You have exceeded a secondary rate limit."},
            status=403,
            headers={"Retry-After": "0", **_limits(state)},
        )
    auth = request.headers.get("Authorization", "")
    if auth and auth not in (f"token {TOKEN}", f"Bearer {TOKEN}"):
        return web.json_response(
            {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            status=401,
        )
    if state.remaining <= 0:
        return web.json_response(
            {"message": "API rate limit exceeded for user."}, status=403, headers=_limits(state)
        )
    state.remaining -= 1
    response = await handler(request)
    response.headers.update(_limits(state))
    return response


def _require_token(request: web.Request) -> None:
    if not request.headers.get("Authorization"):
        raise web.HTTPUnauthorized(
            text='{"message": "Requires authentication"}', content_type="application/json"
        )


def _html(request: web.Request, kind: str, number: int) -> str:
    state = request.app[STATE]
    return f"https://github.com/{state.repo}/{kind}/{number}"


def _render(request: web.Request, issue: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 1000 + issue["number"],
        "number": issue["number"],
        "title": issue["title"],
        "body": issue.get("body", ""),
        "state": issue.get("state", "open"),
        "labels": [{"name": n} for n in issue.get("labels", [])],
        "html_url": _html(request, "issues", issue["number"]),
        "user": {"login": LOGIN},
    }


async def _user(request: web.Request) -> web.Response:
    _require_token(request)
    return web.json_response({"login": LOGIN, "id": 1, "type": "User"})


async def _search(request: web.Request) -> web.Response:
    state = request.app[STATE]
    q = request.query.get("q", "")
    state.searches.append(q)
    if f"repo:{state.repo}" not in q:
        return web.json_response({"total_count": 0, "incomplete_results": False, "items": []})
    terms = [t.strip('"').casefold() for t in q.split('"')[1::2]]
    found = [
        i
        for i in state.issues
        if not terms or any(t in f"{i['title']} {i.get('body', '')}".casefold() for t in terms)
    ]
    per_page = int(request.query.get("per_page", 30))
    items = [_render(request, i) | {"score": 1.0} for i in found[:per_page]]
    return web.json_response(
        {"total_count": len(found), "incomplete_results": False, "items": items}
    )


def _repo_or_404(request: web.Request) -> None:
    name = f"{request.match_info['owner']}/{request.match_info['repo']}"
    if name != request.app[STATE].repo:
        raise web.HTTPNotFound(text='{"message": "Not Found"}', content_type="application/json")


async def _create(request: web.Request) -> web.Response:
    _require_token(request)
    _repo_or_404(request)
    state = request.app[STATE]
    data = await request.json()
    if not data.get("title"):
        return web.json_response(
            {
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}],
            },
            status=422,
        )
    number = 100 + len(state.created) + 1
    issue = fake_issue(number, data["title"], data.get("body", ""), labels=data.get("labels", []))
    state.created.append(issue)
    state.issues.append(issue)
    return web.json_response(_render(request, issue), status=201)


async def _issue(request: web.Request) -> web.Response:
    _repo_or_404(request)
    number = int(request.match_info["number"])
    for issue in request.app[STATE].issues:
        if issue["number"] == number:
            return web.json_response(_render(request, issue))
    raise web.HTTPNotFound(text='{"message": "Not Found"}', content_type="application/json")


async def _pull(request: web.Request) -> web.Response:
    _repo_or_404(request)
    number = int(request.match_info["number"])
    pull = request.app[STATE].pulls.get(number)
    if pull is None:
        raise web.HTTPNotFound(text='{"message": "Not Found"}', content_type="application/json")
    merged = bool(pull.get("merged"))
    return web.json_response(
        {
            "number": number,
            "state": "closed" if merged else pull.get("state", "open"),
            "merged": merged,
            "merged_at": "2025-01-01T00:00:00Z" if merged else None,
            "html_url": _html(request, "pull", number),
        }
    )
