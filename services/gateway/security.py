"""Authentication, scopes, rate limits and idempotency: the middlewares after request_context.

`guard` resolves who is calling, refuses addresses that failed authentication too
often, counts the request against its rate limit, enforces scopes when
`VERDICT_REQUIRE_AUTH` is on, and puts the `X-RateLimit-*` headers on every
response, errors included. `idempotent` (see idempotency.py) then replays POSTs.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import ValidationError

from services.gateway.idempotency import idempotent
from services.gateway.identity import (
    AUTH_FAILED,
    SESSION_COOKIE,
    SESSION_REFRESHED,
    bearer_token,
    current_identity,
    set_session_cookie,
)
from services.gateway.keys import SETTINGS, deps_of
from services.gateway.middlewares import (
    REQUEST_ID_KEY,
    Handler,
    _from_http,
    error_response,
    validation_error,
)
from services.gateway.ratelimit import (
    check_auth_failures,
    limit_request,
    rate_headers,
    record_auth_failure,
    too_many_requests,
)
from verdict.errors import Forbidden, RateLimited, Unauthorized, VerdictError
from verdict.services.identity import track_username

PUBLIC = "public"
_ANY = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_READ = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE = _ANY - _READ

# The one table from route to scope, first match wins. PUBLIC routes need nothing
# even with VERDICT_REQUIRE_AUTH (you must be able to log in and read the docs).
# A write that matches no row needs `admin`: a new endpoint is closed until mapped.
SCOPE_TABLE: list[tuple[frozenset[str], re.Pattern[str], str]] = [
    (_ANY, re.compile(r"^/health$"), PUBLIC),
    # The readiness probe: kubelets and load balancers carry no credentials.
    (frozenset({"GET", "HEAD"}), re.compile(r"^/api/health$"), PUBLIC),
    (frozenset({"GET"}), re.compile(r"^/metrics$"), PUBLIC),
    (_ANY, re.compile(r"^/(openapi\.json|docs(/.*)?)$"), PUBLIC),
    (_ANY, re.compile(r"^/api/auth/(login|logout|me)$"), PUBLIC),
    # The web UI's login page and assets (its pages read with their JSON twins' scopes).
    (_ANY, re.compile(r"^/(login|logout|static/.+)$"), PUBLIC),
    # Inbound webhooks authenticate with their own shared secret.
    (frozenset({"POST"}), re.compile(r"^/webhooks/jenkins$"), PUBLIC),
    # The rule tester only reads: matching pasted text changes nothing.
    (frozenset({"POST"}), re.compile(r"^/api/rules/test$"), "analysis:read"),
    (_ANY, re.compile(r"^/api/admin(/.*)?$"), "admin"),
    (_ANY, re.compile(r"^/api/webhooks(/.*)?$"), "admin"),
    (frozenset({"DELETE"}), re.compile(r"^/results/[^/]+$"), "admin"),
    (
        frozenset({"POST"}),
        re.compile(r"^/(analyze|analyze-failures|re-analyze/[^/]+)$"),
        "analysis:write",
    ),
    (
        _WRITE,
        re.compile(
            r"^/results/[^/]+/(comments(/[^/]+)?|reviewed|enrich-comments|override-classification"
            r"|preview-github-issue|preview-jira-bug|create-github-issue|create-jira-bug"
            r"|push-reportportal)$"
        ),
        "history:write",
    ),
    (_WRITE, re.compile(r"^/history/classif(y|ications)(/.*)?$"), "history:write"),
    # The pages' forms, with the scopes of the REST operations they perform.
    (
        frozenset({"POST"}),
        re.compile(
            r"^/ui/results/[^/]+/(reviewed|comments|override|preview|create"
            r"|push-reportportal)$"
        ),
        "history:write",
    ),
    (frozenset({"POST"}), re.compile(r"^/ui/results/[^/]+/re-analyze$"), "analysis:write"),
    (frozenset({"POST"}), re.compile(r"^/ui/rules/test$"), "analysis:read"),
    (_ANY, re.compile(r"^/(ui/)?admin(/.*)?$"), "admin"),
    (_ANY, re.compile(r"^/api/user/tokens$"), "history:write"),
    (
        frozenset({"POST"}),
        re.compile(r"^/api/(jira-projects|jira-security-levels|validate-token)$"),
        "analysis:read",
    ),
    (_READ, re.compile(r"^/"), "analysis:read"),
    (_WRITE, re.compile(r"^/"), "admin"),
]


def required_scope(method: str, path: str) -> str:
    for methods, pattern, scope in SCOPE_TABLE:
        if method in methods and pattern.match(path):
            return scope
    return "admin"


def _presents_credentials(request: web.Request) -> bool:
    return bool(bearer_token(request)) or (
        request.method == "POST" and request.path == "/api/auth/login"
    )


def _as_response(request: web.Request, exc: Exception) -> web.Response:
    """Render an error here (not in request_context) so it gets this layer's headers."""
    request_id = request.get(REQUEST_ID_KEY, "")
    if isinstance(exc, VerdictError):
        return error_response(exc, request_id)
    if isinstance(exc, ValidationError):
        return error_response(validation_error(exc), request_id)
    assert isinstance(exc, web.HTTPException)
    return error_response(_from_http(exc), request_id)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Fixed public assets (the API docs' and the pages'): no identity, no rate limit.
    if request.path.startswith(("/docs/static/", "/static/")):
        return await handler(request)
    settings = request.app[SETTINGS]
    scope = required_scope(request.method, request.path)
    headers: dict[str, str] = {}
    response: web.StreamResponse
    try:
        if _presents_credentials(request):
            await check_auth_failures(request)
        identity = await current_identity(request)
        if request.get(AUTH_FAILED):
            await record_auth_failure(request)
        decision = await limit_request(request, identity, scope if scope != PUBLIC else "default")
        if decision is not None:
            headers = rate_headers(decision)
            if not decision.allowed:
                raise too_many_requests(decision)
        await track_username(deps_of(request), identity)
        if settings.require_auth and scope != PUBLIC:
            if not identity.authenticated:
                raise Unauthorized("authentication required: send a Bearer API key or log in")
            if not identity.can(scope):
                raise Forbidden(f"this credential lacks the {scope!r} scope")
        response = await handler(request)
    except (VerdictError, ValidationError) as exc:
        if isinstance(exc, RateLimited) and exc.extra.get("retry_after"):
            headers["Retry-After"] = str(exc.extra["retry_after"])
        response = _as_response(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _as_response(request, exc)
    if response.prepared:  # a stream (SSE) sent its headers already
        return response
    response.headers.update(headers)
    if request.get(SESSION_REFRESHED) and SESSION_COOKIE not in response.cookies:
        set_session_cookie(response, request.cookies[SESSION_COOKIE], request)
    return response


# Applied after request_context, in this order.
MIDDLEWARES: list[Middleware] = [guard, idempotent]

__all__ = ["MIDDLEWARES", "SCOPE_TABLE", "Handler", "RateLimited", "required_scope"]
