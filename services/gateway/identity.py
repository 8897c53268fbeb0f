"""Who is calling: the username context and whether the caller is an admin.

First version: the `jji_username` cookie names the user, and the admin bootstrap
key (`VERDICT_ADMIN_KEY`) as a Bearer token makes the caller an admin. The
identity issue adds sessions, admin users' keys and scoped API keys here.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from aiohttp import web

from services.gateway.keys import SETTINGS
from verdict.errors import Forbidden, Unauthorized

USERNAME_COOKIE = "jji_username"


@dataclass(frozen=True)
class Identity:
    username: str
    role: str  # "admin" | "user"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def current_identity(request: web.Request) -> Identity:
    username = request.cookies.get(USERNAME_COOKIE, "").strip()
    admin_key = request.app[SETTINGS].admin_key.get_secret_value()
    token = bearer_token(request)
    if admin_key and token and hmac.compare_digest(token.encode(), admin_key.encode()):
        return Identity(username or "admin", "admin")
    return Identity(username, "user")


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
