"""Who is calling: the username context, whether the caller is an admin, and its scopes.

Resolved once per request (and cached on it), from, in order:
- `Authorization: Bearer <token>`: the admin bootstrap key (`VERDICT_ADMIN_KEY`), an
  admin user's API key, or a scoped API key for pipelines;
- the `jji_session` cookie set by `POST /api/auth/login` (admins only);
- the `jji_username` cookie alone: a username for attribution, no privileges.

A Bearer token that matches nothing is remembered on the request, so the failed-auth
limiter counts it; the caller is then treated as anonymous.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiohttp import web

from services.gateway.keys import PG, SETTINGS
from verdict.contracts.auth import RESERVED_USERNAME, USERNAME_PATTERN
from verdict.errors import Forbidden, Unauthorized
from verdict.security.keys import has_scope, hash_secret, same_secret
from verdict.storage import identity as repo

USERNAME_COOKIE = "jji_username"
SESSION_COOKIE = "jji_session"
ADMIN_SCOPES = frozenset({"admin"})


@dataclass(frozen=True)
class Identity:
    username: str
    role: str  # "admin" | "user"
    # How the caller proved who it is: anonymous | bootstrap | user_key | session | api_key.
    kind: str = "anonymous"
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The authenticated account ("admin" for the bootstrap key, "key:<id>" for a scoped
    # key); empty when anonymous. Self-change rules compare against this, not the cookie.
    principal: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    def can(self, scope: str) -> bool:
        return has_scope(self.scopes, scope)


IDENTITY = web.RequestKey("identity", Identity)
AUTH_FAILED = web.RequestKey("auth_failed", bool)
SESSION_REFRESHED = web.RequestKey("session_refreshed", bool)


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def cookie_username(request: web.Request) -> str:
    return request.cookies.get(USERNAME_COOKIE, "").strip()


async def _from_bearer(request: web.Request, token: str, username: str) -> Identity | None:
    admin_key = request.app[SETTINGS].admin_key.get_secret_value()
    if admin_key and same_secret(token, admin_key):
        return Identity(username or "admin", "admin", "bootstrap", ADMIN_SCOPES, "admin")
    # Looked up by hash: the hash of a random secret leaks nothing through timing.
    key_hash = hash_secret(token)
    async with request.app[PG].acquire() as conn:
        user = await repo.admin_by_key_hash(conn, key_hash)
        if user is not None:
            name = user["username"]
            return Identity(name, "admin", "user_key", ADMIN_SCOPES, name)
        key = await repo.api_key_by_hash(conn, key_hash)
    if key is None:
        return None
    scopes = frozenset(key["scopes"])
    role = "admin" if "admin" in scopes else "user"
    return Identity(username or key["name"], role, "api_key", scopes, f"key:{key['id']}")


async def _from_session(request: web.Request, token: str) -> Identity | None:
    settings = request.app[SETTINGS]
    async with request.app[PG].acquire() as conn:
        row = await repo.live_session(conn, hash_secret(token), settings.session_ttl_s)
    if row is None:
        return None
    if row["refreshed"]:
        request[SESSION_REFRESHED] = True
    scopes = ADMIN_SCOPES if row["role"] == "admin" else frozenset()
    return Identity(row["username"], row["role"], "session", scopes, row["username"])


async def resolve(request: web.Request) -> Identity:
    username = cookie_username(request)
    token = bearer_token(request)
    if token:
        found = await _from_bearer(request, token, username)
        if found is not None:
            return found
        request[AUTH_FAILED] = True
    session = request.cookies.get(SESSION_COOKIE, "")
    if session:
        found = await _from_session(request, session)
        if found is not None:
            return found
    return Identity(username, "user")


async def current_identity(request: web.Request) -> Identity:
    try:
        return request[IDENTITY]
    except KeyError:
        identity = request[IDENTITY] = await resolve(request)
        return identity


async def require_admin(request: web.Request) -> Identity:
    identity = await current_identity(request)
    if not identity.is_admin:
        raise Forbidden("admin access required")
    return identity


async def require_username(request: web.Request) -> Identity:
    identity = await current_identity(request)
    if not identity.username:
        raise Unauthorized("a username is required (set the jji_username cookie)")
    return identity


# Tracking usernames seen in cookies (GET /api/admin/users lists them) writes at most
# once a minute per name and process, so reads stay free of writes.
_TRACK_EVERY_S = 60.0
_last_tracked: dict[tuple[int, str], float] = {}


async def track_username(request: web.Request, identity: Identity) -> None:
    name = identity.username
    if identity.kind != "anonymous" or not name or name.lower() == RESERVED_USERNAME:
        return
    if not USERNAME_PATTERN.match(name):
        return
    now, seen = time.monotonic(), (id(request.app), name)
    if now - _last_tracked.get(seen, -_TRACK_EVERY_S) < _TRACK_EVERY_S:
        return
    if len(_last_tracked) > 10_000:
        _last_tracked.clear()
    _last_tracked[seen] = now
    async with request.app[PG].acquire() as conn:
        await repo.touch_user(conn, name)


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
