"""Who is calling, as far as HTTP is concerned: the credentials a request presents (Bearer
header, `jji_session` and `jji_username` cookies), the identity resolved from them once
per request (verdict.services.identity), and the cookies the gateway sets.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import SETTINGS, deps_of
from verdict.services import identity as identity_service
from verdict.services.identity import Identity

USERNAME_COOKIE = "jji_username"
SESSION_COOKIE = "jji_session"

IDENTITY = web.RequestKey("identity", Identity)
AUTH_FAILED = web.RequestKey("auth_failed", bool)
SESSION_REFRESHED = web.RequestKey("session_refreshed", bool)

__all__ = ["Identity", "current_identity", "require_admin", "require_username"]


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def cookie_username(request: web.Request) -> str:
    return request.cookies.get(USERNAME_COOKIE, "").strip()


async def current_identity(request: web.Request) -> Identity:
    try:
        return request[IDENTITY]
    except KeyError:
        pass
    resolved = await identity_service.resolve(
        deps_of(request),
        bearer=bearer_token(request),
        session=request.cookies.get(SESSION_COOKIE, ""),
        username=cookie_username(request),
    )
    if resolved.auth_failed:
        request[AUTH_FAILED] = True
    if resolved.session_refreshed:
        request[SESSION_REFRESHED] = True
    request[IDENTITY] = resolved.identity
    return resolved.identity


async def require_admin(request: web.Request) -> Identity:
    return (await current_identity(request)).require_admin()


async def require_username(request: web.Request) -> Identity:
    return (await current_identity(request)).require_username()


def set_session_cookie(response: web.StreamResponse, token: str, request: web.Request) -> None:
    settings = request.app[SETTINGS]
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_s,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
    )


def set_username_cookie(response: web.StreamResponse, username: str, request: web.Request) -> None:
    # Not HttpOnly: the web UI reads the name it shows; it grants nothing by itself.
    response.set_cookie(
        USERNAME_COOKIE,
        username,
        max_age=365 * 24 * 3600,
        path="/",
        samesite="Lax",
        secure=request.app[SETTINGS].secure_cookies,
    )


def clear_session_cookie(response: web.StreamResponse, request: web.Request) -> None:
    response.del_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.app[SETTINGS].secure_cookies,
    )
