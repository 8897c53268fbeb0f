"""Rate limits per API key (or client address) and route scope, and the stricter
failed-authentication limiter per client address. Both live in Redis.

If Redis does not answer, requests go through unlimited (fail open) and a warning
is logged at most every 30 seconds (Caches.redis_warning): a Redis outage never blocks the API.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from redis.exceptions import RedisError

from services.gateway.keys import SETTINGS, deps_of
from verdict.errors import RateLimited
from verdict.logging import get_logger
from verdict.security.ratelimit import Decision, SlidingWindow
from verdict.services.identity import Identity

log = get_logger(__name__)

_REDIS_TIMEOUT_S = 0.5


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


def client_key(request: web.Request, identity: Identity) -> str:
    """Who a limit (or an idempotency key) belongs to: the key, else the address."""
    if identity.kind in ("user_key", "session"):
        return f"user:{identity.principal}"  # one user, whether by key or by session
    if identity.kind in ("bootstrap", "api_key"):
        return identity.principal  # "admin" or "key:<id>"
    return f"ip:{client_address(request)}"


def _window(request: web.Request) -> SlidingWindow:
    settings = request.app[SETTINGS]
    return SlidingWindow(deps_of(request).queue, f"{settings.queue_prefix}:rl")


async def _hit(
    request: web.Request, key: str, *, limit: int, window_s: float, record: bool = True
) -> Decision | None:
    """One hit, or None when Redis is down (fail open)."""
    try:
        return await asyncio.wait_for(
            _window(request).hit(key, limit=limit, window_s=window_s, record=record),
            _REDIS_TIMEOUT_S,
        )
    except (RedisError, OSError, TimeoutError) as exc:
        if deps_of(request).caches.redis_warning.due():
            log.warning("rate limiting skipped: redis unavailable", error=str(exc) or repr(exc))
        return None


async def limit_request(request: web.Request, identity: Identity, scope: str) -> Decision | None:
    """Count this request in its (client, scope) bucket."""
    settings = request.app[SETTINGS]
    if not settings.rate_limit_enabled:
        return None
    limit = settings.rate_limits.get(scope, settings.rate_limit_default)
    key = f"req:{client_key(request, identity)}:{scope}"
    return await _hit(request, key, limit=limit, window_s=settings.rate_limit_window_s)


def _fail_key(request: web.Request) -> str:
    return f"authfail:{client_address(request)}"


def _too_many_failures(decision: Decision) -> RateLimited:
    return RateLimited(
        "too many failed authentication attempts from this address; retry later",
        extra={"retry_after": decision.retry_after},
    )


async def check_auth_failures(request: web.Request) -> None:
    """Before checking presented credentials: refuse an address that failed too often."""
    settings = request.app[SETTINGS]
    decision = await _hit(
        request,
        _fail_key(request),
        limit=settings.auth_fail_limit,
        window_s=settings.auth_fail_window_s,
        record=False,
    )
    if decision is not None and not decision.allowed:
        raise _too_many_failures(decision)


async def record_auth_failure(request: web.Request) -> None:
    settings = request.app[SETTINGS]
    decision = await _hit(
        request,
        _fail_key(request),
        limit=settings.auth_fail_limit,
        window_s=settings.auth_fail_window_s,
    )
    log.info("authentication failed", client=client_address(request), path=request.path)
    if decision is not None and not decision.allowed:
        raise _too_many_failures(decision)


def rate_headers(decision: Decision) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_at),
    }


def too_many_requests(decision: Decision) -> RateLimited:
    return RateLimited(
        f"rate limit of {decision.limit} requests exceeded; retry in {decision.retry_after} s",
        extra={"retry_after": decision.retry_after},
    )
