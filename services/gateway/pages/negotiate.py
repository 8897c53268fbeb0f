"""One URL, two answers: a page for a browser, the contract's JSON for everyone else.

A request wants HTML only when its Accept header names `text/html` at least as highly as
`application/json` (a browser's navigation does; curl, fetch() and the jji CLI send
`*/*` or `application/json` and get exactly the JSON they always got). Only GET and HEAD
are ever negotiated: every write stays the REST API's.

`dispatch` runs innermost, after authentication, rate limits and scopes, so a page is
read with exactly the rights its JSON twin is; it never touches the REST handlers.
`html_errors` runs outermost and turns the JSON error a browser would otherwise see on a
page into an error page (or, for 401, a trip to the login page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from services.gateway.middlewares import Handler

PageHandler = Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]


def _quality(accept: str, media: str) -> float:
    """The q an Accept header gives `media` (its most specific matching range)."""
    kind = media.split("/")[0]
    best, best_rank = 0.0, -1
    for item in accept.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        name = name.lower()
        rank = 2 if name == media else 1 if name == f"{kind}/*" else 0 if name == "*/*" else -1
        if rank < 0 or rank < best_rank:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if rank > best_rank:
            best, best_rank = q, rank
    return best


def wants_html(request: web.Request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    accept = request.headers.get("Accept", "")
    if "text/html" not in accept.lower():
        return False  # */* alone is an API client's "anything": it gets JSON
    html = _quality(accept, "text/html")
    return html > 0 and html >= _quality(accept, "application/json")


@dataclass(frozen=True)
class Negotiated:
    pattern: re.Pattern[str]
    handler: PageHandler


_negotiated: list[Negotiated] = []


def negotiated(pattern: str) -> Callable[[PageHandler], PageHandler]:
    """Serve `handler` as the HTML twin of the JSON answer on paths matching `pattern`."""
    compiled = re.compile(pattern)

    def register(handler: PageHandler) -> PageHandler:
        _negotiated.append(Negotiated(compiled, handler))
        return handler

    return register


def page_for(request: web.Request) -> tuple[PageHandler, dict[str, str]] | None:
    if not wants_html(request):
        return None
    for entry in _negotiated:
        found = entry.pattern.fullmatch(request.path)
        if found:
            return entry.handler, found.groupdict()
    return None


# Paths that only ever serve pages (and the actions their forms post to).
PAGE_ONLY = re.compile(r"^/(status/[^/]+|login|logout|rules|admin(/.*)?|ui/.*|static/.*)$")


def is_page_path(request: web.Request) -> bool:
    return bool(PAGE_ONLY.match(request.path)) or page_for(request) is not None


@web.middleware
async def dispatch(request: web.Request, handler: Handler) -> web.StreamResponse:
    found = page_for(request)
    if found is None:
        response = await handler(request)
        if _is_twin_path(request.path):
            response.headers.setdefault("Vary", "Accept")
            if "Accept" not in response.headers["Vary"]:
                response.headers["Vary"] += ", Accept"
        return response
    page, params = found
    response = await page(request, params)
    response.headers["Vary"] = "Accept"
    return response


def _is_twin_path(path: str) -> bool:
    return any(entry.pattern.fullmatch(path) for entry in _negotiated)


ErrorPage = Callable[[web.Request, int, str], web.StreamResponse]


def html_errors(error_page: ErrorPage) -> Callable[..., Awaitable[web.StreamResponse]]:
    """A middleware: a browser's page request that failed gets a page, not JSON."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if response.status < 400 or response.prepared:
            return response
        if not (request.method in ("GET", "HEAD") and is_page_path(request)):
            return response
        if "text/html" not in request.headers.get("Accept", "").lower():
            return response
        if response.content_type != "application/json":
            return response
        if response.status == 401:
            target = request.path_qs
            raise web.HTTPSeeOther(f"/login?next={quote(target, safe='/')}")
        detail = _detail(response)
        page = error_page(request, response.status, detail)
        for name in (
            "X-Request-ID",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "Retry-After",
        ):
            if name in response.headers:
                page.headers[name] = response.headers[name]
        return page

    return middleware


def _detail(response: web.StreamResponse) -> str:
    body = getattr(response, "body", None)
    if not isinstance(body, bytes | bytearray):
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("detail", "")) if isinstance(data, dict) else ""
